"""Write mardom/demo/data/onboard-fund.xlsx, the workbook the demo's onboarded fund comes from.

    python -m mardom.demo.data.make_onboard_fund

The workbook is kept in the repository (the demo imports it as a base officer would upload it), so run this
only to change it; its dates are fixed and in the past, so the file stays importable whatever day the demo
is loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

PATH = Path(__file__).with_name("onboard-fund.xlsx")
NAME = "صندوق قرض‌الحسنه الزهرا (س)"
MEMBERS, MONTHS, CUTOVER, SEED = 30, 12, (1403, 1), 77


def rows() -> dict:
    from mardom.funds.onboarding.sample import sample_rows

    return sample_rows(members=MEMBERS, months=MONTHS, cutover=CUTOVER, name=NAME, seed=SEED, mixed=True)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from mardom.funds.onboarding.template import write_workbook

    PATH.write_bytes(write_workbook(rows()))
    print(f"wrote {PATH} ({PATH.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
