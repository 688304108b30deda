"""Browser tests: the real app in gunicorn, driven by Playwright in Debian's Chromium."""
