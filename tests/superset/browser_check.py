"""Headless Chromium check of dashboards. Run by `.venv-superset/bin/python` (it has selenium), e.g.

    python browser_check.py --url http://127.0.0.1:8088 --user admin --password … \
        --dashboard data-quality --dashboard school-overview --out-dir test-artifacts/superset

Logs in once through the login form, then opens each dashboard in turn, waits until every chart has
finished loading, saves a full-page screenshot `<out-dir>/<slug>.png` and prints one JSON line: per
dashboard the charts found, rendered, error boxes and empty charts (with the chart titles); with --echarts also
each ECharts chart's series (name, colour) and legend entries as drawn. Exit code 0 even on problems: the test
decides.
"""

from __future__ import annotations

import argparse
import json
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--window-size=1600,2400", "--lang=zh-CN"]

# one JS probe: per chart holder, its title, whether it is still loading, errors, "no results", rendered
PROBE = """
const holders = Array.from(document.querySelectorAll('[data-test="dashboard-component-chart-holder"]'));
return holders.map(h => {
  const title = (h.querySelector('[data-test="editable-title"], .header-title, [data-test="slice-header"]') || {}).innerText || '';
  const loading = !!h.querySelector('.loading, [data-test="loading-indicator"], [aria-label="loading"]');
  const errEl = h.querySelector('.alert-danger, .ant-alert-error, [data-test="error-alert"], [data-test="errorMessage"]');
  const text = h.innerText || '';
  const empty = /No results|No data|没有结果|无结果|暂无数据|没有数据/i.test(text) || !!h.querySelector('[data-test="no-results-message"], .no-results');
  const rendered = !!h.querySelector('canvas, svg, table, .superset-legacy-chart-big-number, [class*="BigNumber"], .header-line');
  const headers = Array.from(h.querySelectorAll('table thead th')).map(th => th.innerText.trim());
  const rows = Array.from(h.querySelectorAll('table tbody tr')).slice(0, 100)
    .map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()));
  return {title: title.trim().split('\\n')[0], loading, error: errEl ? errEl.innerText.slice(0, 300) : null, empty, rendered,
          headers, rows};
});
"""

# per chart holder: the ECharts option the chart was drawn with (series names and colours, legend entries), read
# from the props of Superset's Echart component (found through React's fiber from the ECharts container div)
ECHARTS_PROBE = """
const holders = Array.from(document.querySelectorAll('[data-test="dashboard-component-chart-holder"]'));
const colourOf = s => {
  const c = (s.itemStyle && s.itemStyle.color) || (s.lineStyle && s.lineStyle.color) || s.color || null;
  return typeof c === 'string' ? c : null;
};
return holders.map(h => {
  const title = ((h.querySelector('[data-test="editable-title"], .header-title, [data-test="slice-header"]') || {}).innerText || '').trim().split('\\n')[0];
  const box = h.querySelector('[_echarts_instance_]');
  if (!box) return {title, option: null};
  let opts = null;
  const key = Object.keys(box).find(k => k.startsWith('__reactFiber$'));
  for (let f = key ? box[key] : null, i = 0; f && i < 40 && !opts; f = f.return, i++) {
    if (f.memoizedProps && f.memoizedProps.echartOptions) opts = f.memoizedProps.echartOptions;
  }
  if (!opts) return {title, option: null};
  const legends = [].concat(opts.legend || []);
  const legend = legends.length && legends[0].data ? legends[0].data.map(d => typeof d === 'string' ? d : d.name) : null;
  const series = [].concat(opts.series || []).map(s => ({name: s.name == null ? null : String(s.name), colour: colourOf(s)}));
  return {title, option: {legend, series}};
});
"""


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--dashboard", action="append", required=True, help="slug; repeat for several")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--echarts", action="store_true", help="also report each ECharts chart's series colours and legend")
    args = p.parse_args()

    opts = webdriver.ChromeOptions()
    opts.binary_location = args.chromium
    for f in CHROME_FLAGS:
        opts.add_argument(f)
    driver = webdriver.Chrome(service=Service(args.chromedriver), options=opts)
    out = {"login": False, "dashboards": {}}
    try:
        driver.set_page_load_timeout(args.timeout)
        out["login"] = log_in(driver, args)
        for slug in args.dashboard:
            out["dashboards"][slug] = check_dashboard(driver, args, slug)
    finally:
        driver.quit()
    print(json.dumps(out, ensure_ascii=False))
    return 0


def log_in(driver, args, attempts: int = 3) -> bool:
    """Fill the login form and submit it; True once the browser has left /login.

    Superset's login page is drawn by React: keys typed before it has settled can be lost, and the form is then
    posted empty (the page simply comes back). So each attempt checks that both fields hold what was typed
    before submitting, and a form that comes back is filled again."""
    for _ in range(attempts):
        driver.get(f"{args.url}/login/")
        WebDriverWait(driver, args.timeout).until(
            EC.presence_of_element_located((By.CSS_SELECTOR, 'input[name="username"], #username')))
        for _ in range(20):
            user = driver.find_element(By.CSS_SELECTOR, 'input[name="username"], #username')
            pw = driver.find_element(By.CSS_SELECTOR, 'input[name="password"], #password')
            for field, text in ((user, args.user), (pw, args.password)):
                if field.get_attribute("value") != text:
                    field.clear()
                    field.send_keys(text)
            time.sleep(0.3)
            if user.get_attribute("value") == args.user and pw.get_attribute("value") == args.password:
                break
        try:
            driver.find_element(By.CSS_SELECTOR, 'button[type="submit"], input[type="submit"]').click()
        except Exception:  # noqa: BLE001 - no submit button in this login page: submit the form itself
            pw.submit()
        deadline = time.monotonic() + min(args.timeout, 30)
        while "/login" in driver.current_url and time.monotonic() < deadline:
            time.sleep(0.2)
        if "/login" not in driver.current_url:
            return True
    return False


def check_dashboard(driver, args, slug: str) -> dict:
    started = time.monotonic()
    driver.set_window_size(1600, 2400)
    driver.get(f"{args.url}/superset/dashboard/{slug}/")
    res = {"charts": [], "timed_out": False}
    charts = []
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        charts = driver.execute_script(PROBE) or []
        if charts and not any(c["loading"] for c in charts) and all(c["rendered"] or c["error"] or c["empty"] for c in charts):
            break
        time.sleep(0.5)
    else:
        res["timed_out"] = True
    res["seconds_to_render"] = round(time.monotonic() - started, 1)
    time.sleep(1.5)  # let the echarts animations finish before the screenshot
    res["charts"] = driver.execute_script(PROBE) or charts
    if args.echarts:
        res["echarts"] = driver.execute_script(ECHARTS_PROBE) or []
    res["title"] = driver.title
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 1200)")
    driver.set_window_size(1600, min(int(height) + 100, 6000))
    time.sleep(0.7)
    shot = f"{args.out_dir}/{slug}.png"
    driver.save_screenshot(shot)
    res["screenshot"] = shot
    return res


if __name__ == "__main__":
    raise SystemExit(main())
