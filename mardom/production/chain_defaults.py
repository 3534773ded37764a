"""The default value-chain template loaded by migration 0006: (kind, Persian name, actor sources).

Stage names are data, like product names: stored in the site's language and edited by national officers.
The source codes are those of `production.chains.SOURCES`."""

DEFAULT_STAGES = [
    ("core", "تأمین نهاده", ["job_leaders.supply"]),
    ("core", "تولید", ["producers"]),
    ("core", "فرآوری", ["job_leaders.processing"]),
    ("core", "بسته‌بندی", ["job_leaders.packaging"]),
    ("core", "برندسازی", ["job_leaders.branding", "brands"]),
    ("core", "فروش و توزیع", ["job_leaders.sales"]),
    ("support", "آموزش", ["training_centres", "volunteer_groups", "job_leaders.training"]),
    ("support", "تأمین مالی", ["funds", "banks"]),
]
