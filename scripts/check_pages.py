#!/usr/bin/env python3
"""Opens lore's pages in headless Chromium over the DevTools protocol and checks them.

Usage: check_pages.py DEVTOOLS_PORT BASE_URL OUT_DIR

For each page: the document answers 200, the page is not blank, no console message,
uncaught exception or browser log entry of level error appears (a CSP violation, a
failed style sheet load), the page's key content is there, and on a phone-sized screen
nothing is wider than the screen. A screenshot of each goes to OUT_DIR. Exits 1 naming
every failure.
"""

import base64
import json
import sys
import time
import urllib.request

import websocket  # websocket-client

# (name, path, texts the page must show, CSS selectors that must match)
PAGES = [
    ("landing", "/", ["resources", "concepts", "Levels", "beginner", "Categories", "metric"],
     ["input[type=search]", "main", "nav"]),
    ("search-grokking", "/search?q=grokking", ["Grokking", "matches for", "Type"],
     ["mark", "ol.hits li"]),
    ("resource-faster-r-cnn",
     "/resources/faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks",
     ["Faster R-CNN: Towards Real-Time Object Detection", "Ren, S.", "ren2015faster",
      "BibTeX", "CSL-JSON", "RIS", "Introduces"],
     ["a[download]", "p.citation"]),
    ("metric-concepts", "/concepts?category=metric",
     ["F1 Score", "Accuracy", "ROC AUC", "Prec-Recall curve", "Spearman"],
     ["a[aria-current=true]"]),
    ("concept-grokking", "/concepts/grokking", ["Definition", "Grokking refers to", "Resources"],
     ["div.prose p"]),
]

DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
TIMEOUT = 20


class Tab:
    """One page target, driven over its DevTools WebSocket."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=TIMEOUT, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)
        raise TimeoutError(method)

    def wait_for(self, event):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            for i, message in enumerate(self.events):
                if message["method"] == event:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(event)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(path, "wb") as out:
            out.write(base64.b64decode(data["data"]))


def page_target(devtools_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list", timeout=TIMEOUT) as r:
        targets = json.load(r)
    pages = [t for t in targets if t.get("type") == "page"]
    if not pages:
        raise RuntimeError("Chromium has no page target")
    return pages[0]["webSocketDebuggerUrl"]


def errors_in(events):
    """The console errors, exceptions and error log entries among `events`."""
    found = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            found.append(f"console.{params['type']}: {args}")
        elif method == "Runtime.exceptionThrown":
            found.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            found.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
    return found


def visit(tab, base, name, path, texts, selectors, out_dir, metrics, suffix=""):
    failures = []
    tab.events.clear()
    tab.call("Emulation.setDeviceMetricsOverride", **metrics)
    tab.call("Page.navigate", url=base + path)
    tab.wait_for("Page.loadEventFired")
    time.sleep(0.2)  # late console messages
    document = [e for e in tab.events if e["method"] == "Network.responseReceived"
                and e["params"].get("type") == "Document"]
    status = document[-1]["params"]["response"]["status"] if document else None
    if status != 200:
        failures.append(f"{name}{suffix}: the document answered {status}")
    text = tab.evaluate("document.body ? document.body.innerText : ''") or ""
    if len(text.strip()) < 40:
        failures.append(f"{name}{suffix}: the page is blank")
    for wanted in texts:
        if wanted not in text:
            failures.append(f"{name}{suffix}: `{wanted}` is not on the page")
    for selector in selectors:
        if not tab.evaluate(f"document.querySelector({json.dumps(selector)}) !== null"):
            failures.append(f"{name}{suffix}: nothing matches `{selector}`")
    styled = tab.evaluate("getComputedStyle(document.body).fontFamily")
    if not styled or "system-ui" not in styled:
        failures.append(f"{name}{suffix}: the style sheet did not apply ({styled})")
    if metrics["mobile"]:
        too_wide = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if too_wide and too_wide > 0:
            failures.append(f"{name}{suffix}: {too_wide}px wider than a phone's screen")
    failures += [f"{name}{suffix}: {error}" for error in errors_in(tab.events)]
    tab.screenshot(f"{out_dir}/{name}{suffix}.png")
    return failures


def main():
    devtools_port, base, out_dir = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
    tab = Tab(page_target(devtools_port))
    for domain in ("Page", "Runtime", "Log", "Network"):
        tab.call(f"{domain}.enable")
    failures = []
    for name, path, texts, selectors in PAGES:
        failures += visit(tab, base, name, path, texts, selectors, out_dir, DESKTOP)
        failures += visit(tab, base, name, path, texts, selectors, out_dir, PHONE, "-phone")
        print(f"checked {name}: {path}")
    if failures:
        print("\n".join(["browser check FAILED:"] + failures), file=sys.stderr)
        return 1
    print(f"{len(PAGES)} pages passed on a desktop and a phone screen; screenshots in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
