"""Screenshots of the queue, the ticket page and the portal at 1366 and 390 px, for the README.

Not a test. Start the product with demo data first (`python3 dev.py start`), then, from the project root:

    .venv/bin/python docs/screenshots.py                 # against http://127.0.0.1:8000
    .venv/bin/python docs/screenshots.py --base http://127.0.0.1:8001

Signs in as the demo agent (password DEMO_PASSWORD, default demo12345), opens the queue and the first
ticket on it, reads the customer's email and the ticket number off the ticket page, and tracks that ticket
on the portal as the customer would. Writes docs/screenshots/<page>-<width>.png, in English.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

# Run as a script from the project root: the project (for tests.browser.chromium) is one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS

HERE = Path(__file__).parent / "screenshots"
SIZES = {1366: 768, 390: 844}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|\+62\d{8,12}")


def shoot(page: Page, name: str, width: int) -> None:
    target = HERE / f"{name}-{width}.png"
    # A phone shows a page by scrolling it: the whole page, so that the cards below the filters show.
    page.screenshot(path=str(target), full_page=width < 768)
    print(f"wrote {target.relative_to(HERE.parent.parent)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="agent")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "demo12345"))
    args = parser.parse_args()
    HERE.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for width, height in SIZES.items():
            context = browser.new_context(
                base_url=args.base, viewport={"width": width, "height": height}, locale="en-US"
            )
            context.add_cookies([{"name": "django_language", "value": "en", "url": args.base}])
            page = context.new_page()
            page.goto("/accounts/login/?next=/console/")
            page.fill("input[name=username]", args.user)
            page.fill("input[name=password]", args.password)
            page.click("button[type=submit]")
            page.wait_for_url("**/console/**")
            shoot(page, "queue", width)
            page.locator("a.queue-open").first.click()
            page.wait_for_load_state("networkidle")
            shoot(page, "ticket", width)
            number = page.url.rstrip("/").rsplit("/", 1)[-1]
            found = EMAIL.search(page.inner_text("main"))
            context.close()

            context = browser.new_context(
                base_url=args.base, viewport={"width": width, "height": height}, locale="en-US"
            )
            context.add_cookies([{"name": "django_language", "value": "en", "url": args.base}])
            page = context.new_page()
            page.goto("/portal/")
            shoot(page, "portal-home", width)
            if found:
                page.goto("/portal/track/")
                page.fill("input[name=number]", number)
                page.fill("input[name=contact]", found.group(0))
                page.click("main button[type=submit]")
                page.wait_for_load_state("networkidle")
                shoot(page, "portal-ticket", width)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
