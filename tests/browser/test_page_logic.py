"""The page's pure functions, imported as the page imports them (ES modules served by the backend) and run in Chromium."""

from __future__ import annotations

from typing import Any

from live_server import LiveServer
from playwright.sync_api import Page


def run_module(page: Page, server: LiveServer, module: str, body: str) -> Any:
    """Import /static/js/<module> in the page as `m` and return the value of the arrow function body."""
    page.goto(f"{server.url}/compare")  # any page: it only has to be on the server's origin
    return page.evaluate(f"import('/static/js/{module}').then((m) => {body})")


def test_ema_is_bias_corrected_so_a_constant_stays_constant(page: Page, server: LiveServer) -> None:
    constant = run_module(page, server, "charts/smoothing.js", "m.emaSmooth([2, 2, 2, 2], 0.9)")
    assert all(abs(v - 2) < 1e-12 for v in constant)  # without the correction: 0.2, 0.38, ...
    first, second = run_module(page, server, "charts/smoothing.js", "m.emaSmooth([0, 10], 0.5)")
    assert first == 0 and abs(second - 10 * 0.5 / 0.75) < 1e-12  # (0.5 x 10) / (1 - 0.5^2)
    assert run_module(page, server, "charts/smoothing.js", "m.emaSmooth([3, 1, 4], 0)") == [3, 1, 4]


def test_confusion_rows_normalize_to_fractions_of_each_true_class(page: Page, server: LiveServer) -> None:
    rows = run_module(page, server, "charts/confusion.js", "m.rowNormalize([[1, 3], [0, 0], [5, 5]])")
    assert rows == [[0.25, 0.75], [0, 0], [0.5, 0.5]]


def test_confusion_change_is_the_row_share_gained_since_the_previous_evaluation(page: Page, server: LiveServer) -> None:
    change = run_module(page, server, "charts/confusion.js", "m.changeSince([[1, 3], [0, 2]], [[2, 2], [0, 0]])")
    assert change == [[-0.25, 0.25], [0, 1]]
    assert run_module(page, server, "charts/confusion.js", "m.changeSince([[1, 3]], null)") == [[0, 0]]


def test_a_uint8_block_decodes_to_its_bytes(page: Page, server: LiveServer) -> None:
    block = run_module(page, server, "charts/feature-maps.js", "Array.from(m.blockBytes({shape: [1, 2, 2], data: 'AAH//w=='}))")
    assert block == [0, 1, 255, 255]


def test_422_details_are_split_per_field(page: Page, server: LiveServer) -> None:
    errors = run_module(
        page,
        server,
        "api.js",
        """m.fieldErrors(new m.ApiError(422, 'bad', [
            {loc: ['body', 'lr'], msg: 'Input should be greater than 0'},
            {loc: ['body', 'feature_layers', 0], msg: "Value error, invalid layer name ''"},
            {loc: ['body'], msg: 'Value error, batch_size 128 is larger than the 64 training images of synthetic'},
            {loc: ['body'], msg: 'Value error, something about the whole body'},
            {loc: ['body', 'no_such_field'], msg: 'Extra inputs are not permitted'},
        ]), ['lr', 'batch_size', 'feature_layers'])""",
    )
    assert errors["byField"] == {
        "lr": ["Input should be greater than 0"],
        "feature_layers": ["invalid layer name ''"],
        "batch_size": ["batch_size 128 is larger than the 64 training images of synthetic"],
    }
    assert errors["general"] == ["something about the whole body", "no_such_field: Extra inputs are not permitted"]


def test_live_points_are_grouped_by_series_in_step_order(page: Page, server: LiveServer) -> None:
    grouped = run_module(
        page,
        server,
        "metrics.js",
        """m.groupPoints([{name: 'loss', step: 3, value: 0.3}, {name: 'lr', step: 1, value: 0.1},
                          {name: 'loss', step: 2, value: 0.2}])""",
    )
    assert grouped == {"loss": {"x": [2, 3], "y": [0.2, 0.3]}, "lr": {"x": [1], "y": [0.1]}}


def test_durations_and_accuracies_read_as_people_write_them(page: Page, server: LiveServer) -> None:
    texts = run_module(
        page,
        server,
        "format.js",
        "[m.formatDuration(3725), m.formatDuration(185), m.formatDuration(9), m.formatPercent(0.5312), m.formatLr(0.005)]",
    )
    assert texts == ["1h 02m", "3m 05s", "9s", "53.1 %", "5.00e-3"]


def test_live_runs_are_matched_and_ordered_by_the_same_rules_as_the_api(page: Page, server: LiveServer) -> None:
    result = run_module(
        page,
        server,
        "run-filters.js",
        """(() => {
            const run = (id, name, tags, acc, extra = {}) => ({ id, name, tags, best_test_acc: acc, kind: 'train',
                status: 'succeeded', preset: null, created_at: '2024-06-01T12:00:00Z',
                config: { model: 'resnet9', dataset: 'synthetic' }, ...extra });
            const runs = [run(1, 'alpha', ['aug'], 0.5), run(2, 'Beta', ['aug', 'x'], null), run(3, 'gamma', [], 0.9),
                          run(4, 'delta', ['aug'], 0.5)];
            const f = m.filtersFromQuery(new URLSearchParams('q=RESNET&tag=aug&sort=-best_test_acc'));
            return {
                matched: runs.filter((r) => m.matchesFilters(r, f)).map((r) => r.id),
                byName: runs.filter((r) => m.matchesFilters(r, { ...f, q: 'ALP' })).map((r) => r.id),
                bothTags: runs.filter((r) => m.matchesFilters(r, { ...f, tags: ['aug', 'x'] })).map((r) => r.id),
                before: runs.filter((r) => m.matchesFilters(r, { ...f, tags: [], before: '2024-06-01' })).length,
                after: runs.filter((r) => m.matchesFilters(r, { ...f, tags: [], after: '2024-06-01' })).length,
                sortedDown: [...runs].sort(m.runComparator('-best_test_acc')).map((r) => r.id),
                sortedUp: [...runs].sort(m.runComparator('best_test_acc')).map((r) => r.id),
                params: m.filtersToParams(f).toString(),
                toggled: [m.toggledSort('-best_test_acc', 'best_test_acc'), m.toggledSort('-created_at', 'name'),
                          m.toggledSort('name', 'images_per_s')],
                unknownSort: m.filtersFromQuery(new URLSearchParams('sort=colour')).sort,
            };
        })()""",
    )
    assert result["matched"] == [1, 2, 4] and result["byName"] == [1] and result["bothTags"] == [2]
    assert result["before"] == 0 and result["after"] == 4
    assert result["sortedDown"] == [3, 4, 1, 2]  # ties newest first, no accuracy last
    assert result["sortedUp"] == [4, 1, 3, 2]
    assert result["params"] == "q=RESNET&tag=aug&sort=-best_test_acc"
    assert result["toggled"] == ["best_test_acc", "name", "-images_per_s"]
    assert result["unknownSort"] == "-created_at"


def test_seed_groups_gather_runs_of_one_group_and_leave_the_rest_alone(page: Page, server: LiveServer) -> None:
    entries = run_module(
        page, server, "group-stats.js",
        "m.seedGroups([{id: 1, group_id: 1}, {id: 5}, {id: 2, group_id: 1}, {id: 9, group_id: 9}])"
        ".map((e) => [e.groupId, e.runs.map((r) => r.id)])",
    )
    assert entries == [[1, [1, 2]], [None, [5]], [None, [9]]]  # a group with one run here is a run


def test_band_stats_give_mean_and_min_max_or_one_std_per_shared_step(page: Page, server: LiveServer) -> None:
    series = "[{x: [1, 2, 3], y: [1, 2, 3]}, {x: [1, 2, 3], y: [3, 4, 5]}, {x: [2, 3], y: [6, 6]}]"
    minmax = run_module(page, server, "group-stats.js", f"m.bandStats({series}, 'minmax')")
    assert minmax == {"x": [2, 3], "mean": [4, 14 / 3], "lower": [2, 3], "upper": [6, 6]}
    std = run_module(page, server, "group-stats.js", f"m.bandStats({series}, 'std')")
    assert std["mean"] == [4, 14 / 3] and abs(std["upper"][0] - 6) < 1e-12 and abs(std["lower"][0] - 2) < 1e-12
    text = run_module(page, server, "group-stats.js", "[m.formatMeanStdPercent([0.8, 0.9]), m.formatMeanStdPercent([0.5]), "
                      "m.formatMeanStdPercent([null])]")
    assert text == ["85.0 ± 7.1 %", "50.0 %", "–"]
