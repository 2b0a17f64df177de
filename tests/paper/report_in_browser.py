#!/usr/bin/env python3
"""A study's index.html in a real browser: headless Chromium loads the page and the test fails on an image that
does not load (a missing or unreadable PNG, SVG or GIF), a link to a file or an anchor that does not exist, or any
message on the browser's console (the report has no scripts of its own, so every message is a fault).

How: a copy of the page with a small probe script at the top of its <head> is written next to it (so that relative
paths resolve the same) and loaded with `chromium --headless --dump-dom`; the probe records script errors, console
calls and failed resource loads (a capturing 'error' listener), and on 'load' each image's natural size and every
link's resolved URL, into an attribute of the dumped DOM. Chromium's own log (--enable-logging=stderr) adds the
console messages it saw.

Usage: report_in_browser.py [--self-test] STUDY_DIR. --self-test checks that the test fails on a missing image, a
broken link and a console error (in copies under a temporary directory). Exit code 77 (skipped) without chromium.
"""
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

SKIPPED = 77
# Seconds of virtual time the page gets to load (Chromium's --virtual-time-budget, in ms below): the report's
# images are local files, loaded in well under a second.
LOAD_BUDGET_S = 5
# Wall-clock limit of one browser run: a starting Chromium takes a few seconds on a loaded machine.
BROWSER_TIMEOUT_S = 120

PROBE = """<script>
(function () {
  var found = {errors: [], console: []};
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) found.errors.push('cannot load ' + (t.src || t.href));
    else found.errors.push('script error: ' + e.message);
  }, true);
  ['error', 'warn', 'log', 'info'].forEach(function (level) {
    var original = console[level];
    console[level] = function () {
      found.console.push(level + ': ' + Array.prototype.join.call(arguments, ' '));
      return original.apply(console, arguments);
    };
  });
  window.addEventListener('load', function () {
    found.images = Array.prototype.map.call(document.images, function (i) {
      return {src: i.getAttribute('src'), url: i.src, width: i.naturalWidth, complete: i.complete};
    });
    found.links = Array.prototype.map.call(document.querySelectorAll('a[href]'), function (a) {
      return {href: a.getAttribute('href'), url: a.href};
    });
    found.ids = Array.prototype.map.call(document.querySelectorAll('[id]'), function (e) { return e.id; });
    document.documentElement.setAttribute('data-report-check', JSON.stringify(found));
  });
})();
</script>"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def load(browser, page):
    """The probe's findings for `page` (a path) and the console lines of Chromium's log."""
    directory = os.path.dirname(os.path.abspath(page))
    text = open(page, encoding="utf-8").read()
    probed = os.path.join(directory, ".report-check.html")
    at = text.find("<head>")
    at = at + len("<head>") if at >= 0 else 0
    with open(probed, "w", encoding="utf-8") as f:
        f.write(text[:at] + PROBE + text[at:])
    profile = tempfile.mkdtemp(prefix="report-check-profile-")
    try:
        run = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile,
             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=%d" % (LOAD_BUDGET_S * 1000), "--dump-dom",
             "file://" + urllib.parse.quote(probed)],
            capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S)
    finally:
        os.remove(probed)
        shutil.rmtree(profile, ignore_errors=True)
    match = re.search(r'data-report-check="([^"]*)"', run.stdout)
    if not match:
        raise SystemExit("%s: the page did not finish loading in Chromium (exit code %d)\n%s" %
                         (page, run.returncode, run.stderr[-2000:]))
    found = json.loads(html.unescape(match.group(1)))
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return found, console, probed


def problems(page, browser):
    """Every fault of the page, as lines of text."""
    found, console, probed = load(browser, page)
    faults = ["%s: %s" % (page, e) for e in found["errors"]]
    faults += ["%s: console %s" % (page, c) for c in found["console"]]
    if not found["console"]:  # messages the probe did not see (logged before it ran): from Chromium's log
        faults += ["%s: browser console: %s" % (page, c) for c in console]
    for image in found["images"]:
        if not image["complete"] or image["width"] == 0:
            faults.append("%s: image %s does not load" % (page, image["src"]))
    ids = set(found["ids"])
    for link in found["links"]:
        url = urllib.parse.urlparse(link["url"])
        if url.scheme != "file":
            continue  # the report links only its own files; an external URL is not checked offline
        path = urllib.parse.unquote(url.path)
        if path == probed:  # a link within the page: its anchor must exist
            if url.fragment and url.fragment not in ids:
                faults.append("%s: link %s: no element with id %s" % (page, link["href"], url.fragment))
        elif not os.path.exists(path):
            faults.append("%s: link %s: no such file %s" % (page, link["href"], path))
    return faults, found


def self_test(study, browser):
    """The check must fail on a missing image, a broken link, a missing anchor and a console error, all planted in
    one copy of the report (one browser run; the report itself is checked clean by the test proper)."""
    with tempfile.TemporaryDirectory(prefix="report-check-self-test-") as tmp:
        copy = os.path.join(tmp, "study")
        shutil.copytree(study, copy, ignore=shutil.ignore_patterns("runs"))
        page = os.path.join(copy, "index.html")
        text = open(page, encoding="utf-8").read()
        image = re.search(r'<img src="([^"]+)"', text).group(1)
        os.remove(os.path.join(copy, html.unescape(image)))
        broken = text.replace("</body>", '<p><a href="no-such-table.csv">x</a> <a href="#no-such-anchor">y</a>'
                                         "<script>console.error('a fault')</script></p></body>")
        open(page, "w", encoding="utf-8").write(broken)
        faults, _ = problems(page, browser)
        for expected in ("image %s does not load" % html.unescape(image), "no such file",
                         "no element with id no-such-anchor", "console error: a fault"):
            assert any(expected in f for f in faults), (expected, faults)
    print("self-test: a missing image, a broken link, a missing anchor and a console error are each reported")


def main():
    args = sys.argv[1:]
    testing_self = "--self-test" in args
    args = [a for a in args if a != "--self-test"]
    if len(args) != 1:
        raise SystemExit("usage: report_in_browser.py [--self-test] STUDY_DIR")
    browser = chromium()
    if not browser:
        print("chromium is not installed (cmake/setup-debian.sh installs it): skipped")
        return SKIPPED
    page = os.path.join(args[0], "index.html")
    if testing_self:
        self_test(args[0], browser)
        return 0
    faults, found = problems(page, browser)
    if faults:
        print("\n".join(faults), file=sys.stderr)
        return 1
    print("%s: %d images loaded, %d links resolved, no console message" %
          (page, len(found["images"]), len(found["links"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
