#!/usr/bin/env python
from mardom.__main__ import main

if __name__ == "__main__":
    main()
