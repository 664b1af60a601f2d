"""Charts: drawn and saved without leaking matplotlib settings, Japanese glyphs all present, SVG
byte-for-byte repeatable, and the numbers behind the flow chart computed by hand."""

from __future__ import annotations

import copy
import subprocess
import sys
import warnings

import matplotlib
import pandas as pd
import pytest
from conftest import ROOT

import flowmatrix as fm
from flowmatrix.classification.taxonomy import Taxonomy, Theme, load_taxonomy
from flowmatrix.errors import FlowmatrixError
from flowmatrix.io.columns import ELEMENT_LABELS, ELEMENTS
from flowmatrix.model.dimensions import OTHER
from flowmatrix.model.flows import flow_stages
from flowmatrix.model.matrix import flow_matrix
from flowmatrix.model.tally import theme_tally
from flowmatrix.render import charts
from flowmatrix.render.labels import dimension_label
from flowmatrix.render.tables import matrix_frames, theme_tally_frame

TAXONOMIES = fm.load_taxonomies(fm.Settings())
THEMES = TAXONOMIES.themes

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sample():
    return fm.classify(ROOT / "data" / "cases.xlsx").cases


def tally(cases: pd.DataFrame, lang: str) -> pd.DataFrame:
    return theme_tally_frame(theme_tally(cases, THEMES), THEMES, lang)


def flow(cases: pd.DataFrame, lang: str = "ja", **kwargs):
    return charts.flow_chart(flow_stages(cases, TAXONOMIES, top=10, **kwargs), TAXONOMIES,
                             lang=lang)


def draw(kind: str, cases: pd.DataFrame, lang: str):
    if kind == "tally":
        return charts.tally_chart(tally(cases, lang), lang=lang)
    if kind == "heatmap":
        matrix = flow_matrix(cases, values="count", top=10, taxonomies=TAXONOMIES)
        return charts.heatmap_chart(matrix_frames(matrix, TAXONOMIES, lang)[1], lang=lang)
    if kind == "flow":
        return flow(cases, lang)
    return flow(cases, lang, theme="health")


def only_axes(figure):
    (ax,) = [a for a in figure.axes if a.get_label() != "<colorbar>"]
    return ax


def all_texts(figure) -> list[str]:
    found = [t.get_text() for t in figure.findobj(matplotlib.text.Text)]
    return [t for t in found if t]


def assert_text_inside(figure):
    """No text is cut off at the figure's edge."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    width, height = figure.bbox.width, figure.bbox.height
    hidden = set()  # tick labels beyond the axis limits exist but are not drawn
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    hidden |= {id(tick.label1), id(tick.label2)}
    for text in figure.findobj(matplotlib.text.Text):
        if not text.get_text() or not text.get_visible() or id(text) in hidden:
            continue
        box = text.get_window_extent(renderer)
        assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1, \
            (text.get_text(), box, (width, height))


def assert_no_overlap(labels, renderer):
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_text()]
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert not a.overlaps(b), (a, b)


# --- every chart, both languages ---------------------------------------------------------------

@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("kind", ["tally", "heatmap", "flow", "flow-health"])
def test_every_chart_draws_and_saves_with_every_glyph(sample, tmp_path, kind, lang):
    settings = copy.deepcopy(dict(matplotlib.rcParams))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Glyph.*")
        figure = draw(kind, sample, lang)
        png = charts.save_figure(figure, tmp_path / f"{kind}.png")
        svg = charts.save_figure(figure, tmp_path / "sub" / f"{kind}.svg")
    assert dict(matplotlib.rcParams) == settings  # drawing and saving change no global setting
    assert png == tmp_path / f"{kind}.png"
    assert png.read_bytes().startswith(PNG_MAGIC)
    assert svg.stat().st_size > 1000 and b"<svg" in svg.read_bytes()[:1000]
    assert_text_inside(figure)


def test_charts_use_the_packaged_japanese_font():
    from matplotlib import font_manager

    with charts.chart_style():
        family = matplotlib.rcParams["font.family"]
        path = font_manager.findfont(font_manager.FontProperties(family=family))
    assert family[0] == "IPAexGothic"
    assert path.endswith("ipaexg.ttf")


def test_svg_is_byte_for_byte_repeatable(sample, tmp_path):
    for kind in ("heatmap", "flow"):
        first = charts.save_figure(draw(kind, sample, "ja"), tmp_path / "a.svg").read_bytes()
        again = charts.save_figure(draw(kind, sample, "ja"), tmp_path / "b.svg").read_bytes()
        assert first == again
        assert b"<dc:date>" not in first


def test_png_has_no_software_stamp(sample, tmp_path):
    data = charts.save_figure(draw("tally", sample, "en"), tmp_path / "t.png").read_bytes()
    assert b"Software" not in data and b"matplotlib" not in data.lower()


def test_matplotlib_only_when_drawing_and_never_pyplot():
    code = ("import sys, flowmatrix; "
            f"a = flowmatrix.analyze({str(ROOT / 'data' / 'cases.xlsx')!r}); "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'; "
            "flowmatrix.draw_chart(a, 'flow').canvas.draw(); "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_save_figure_refuses_other_formats(sample, tmp_path):
    figure = draw("tally", sample, "ja")
    with pytest.raises(FlowmatrixError) as caught:
        charts.save_figure(figure, tmp_path / "chart.pdf")
    assert caught.value.code == "bad-output"
    assert caught.value.path == str(tmp_path / "chart.pdf")
    assert "png" in caught.value.message and "svg" in caught.value.message
    assert not (tmp_path / "chart.pdf").exists()


# --- tally ---------------------------------------------------------------------------------------

def test_tally_bars_largest_first_with_counts_and_shares(sample):
    table = tally(sample, "ja")
    shuffled = table.sample(frac=1, random_state=3)  # the chart sorts by itself
    figure = charts.tally_chart(shuffled, lang="ja")
    ax = only_axes(figure)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    bars = sorted(ax.patches, key=lambda p: p.get_y())  # y grows downwards: inverted axis
    widths = [bar.get_width() for bar in bars]
    assert ax.yaxis_inverted()
    assert labels[0] == "観光／地域経済活性化" and labels[-1] == "その他"
    assert widths == sorted(widths, reverse=True)
    assert widths == sorted(table["cases"].tolist(), reverse=True)
    texts = [t.get_text() for t in ax.texts]
    assert "8件（26%）" in texts and "0件（0%）" in texts  # themes without cases still shown
    assert ax.get_title(loc="left") == "テーマ別の事例数"
    colours = {matplotlib.colors.to_hex(bar.get_facecolor()) for bar in bars}
    assert charts.THEME_COLOURS["tourism"].lower() in colours


def test_tally_in_english_and_with_a_title(sample):
    figure = charts.tally_chart(tally(sample, "en"), lang="en", title="Kumagaya")
    ax = only_axes(figure)
    assert ax.get_title(loc="left") == "Kumagaya"
    assert "8 (26%)" in [t.get_text() for t in ax.texts]
    assert ax.get_yticklabels()[0].get_text() == "Tourism / regional economy"


# --- heatmap -------------------------------------------------------------------------------------

def long_matrix(n_rows: int, n_cols: int) -> pd.DataFrame:
    rows = [f"{i:02d}住民の健康状態と移動履歴を統合して分析する地域包括ケア・防災連携プラットフォーム"
            for i in range(n_rows)]
    cols = [f"{i:02d}オンライン申請・電子決済・予約受付を一体で提供する市民ポータルサービス試行版ABC"
            for i in range(n_cols)]
    assert all(len(v) >= 40 for v in rows + cols)
    values = [[(r * 3 + c) % 4 for c in range(n_cols)] for r in range(n_rows)]
    table = pd.DataFrame(values, index=rows, columns=cols)
    table.index.name, table.columns.name = "source_service", "target_service"
    return table


@pytest.mark.parametrize("n_cols", [3, 14])
def test_heatmap_shortens_long_labels_and_writes_every_count(n_cols):
    counts = long_matrix(12, n_cols)
    figure = charts.heatmap_chart(counts, lang="ja")
    ax = only_axes(figure)
    for label in [*ax.get_yticklabels(), *ax.get_xticklabels()]:
        text = label.get_text()
        assert text.endswith("…") and text.count("\n") == 1
        assert max(charts.display_width(line) for line in text.split("\n")) <= 28
    cells = sorted((t.get_text(), round(t.get_position()[0] - 0.5), round(t.get_position()[1] - 0.5))
                   for t in ax.texts)
    expected = sorted((str(v), c, r) for r, row in enumerate(counts.to_numpy())
                      for c, v in enumerate(row) if v)
    assert cells == expected  # a number in every non-zero cell, none in empty ones
    assert ax.get_xlabel() == ELEMENT_LABELS["ja"]["target_service"]
    assert ax.get_ylabel() == ELEMENT_LABELS["ja"]["source_service"]
    if n_cols > 8:
        assert ax.get_xticklabels()[0].get_rotation() == 90
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    assert_no_overlap(ax.get_yticklabels(), renderer)
    assert_no_overlap(ax.get_xticklabels(), renderer)
    assert_text_inside(figure)
    assert len(figure.axes) == 2  # the colour bar


def test_heatmap_of_other_dimensions_and_empty_matrix(tmp_path):
    counts = pd.DataFrame([[2, 0], [1, 5]], index=["観光", "健康"], columns=["熊谷市", "その他"])
    counts.index.name, counts.columns.name = "theme", "municipality"
    ax = only_axes(charts.heatmap_chart(counts, lang="ja"))
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("テーマ", "自治体")
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "5"]
    settings = copy.deepcopy(dict(matplotlib.rcParams))
    empty = charts.heatmap_chart(pd.DataFrame(), lang="en")
    assert "No data" in all_texts(empty)
    charts.save_figure(empty, tmp_path / "empty.svg")
    assert dict(matplotlib.rcParams) == settings
    zeros = counts * 0
    assert "データなし" in all_texts(charts.heatmap_chart(zeros, lang="ja"))


def test_dimension_labels():
    assert dimension_label("data", "ja") == "②流通データ"
    assert dimension_label("fiscal_year", "en") == "Fiscal year"
    assert dimension_label("prefecture", "ja") == "都道府県"
    assert dimension_label("出典区分", "ja") == "出典区分"


def test_shorten_label():
    assert charts.shorten_label("防災アプリ") == "防災アプリ"
    assert charts.shorten_label("AIエンゲージメント機能(市民セグメント)", 28, 2) == \
        "AIエンゲージメント機能\n(市民セグメント)"
    one = charts.shorten_label("ヘルスケアアプリ・ウェアラブルデバイス", 28, 1)
    assert one.endswith("…") and charts.display_width(one) <= 28
    assert charts.shorten_label("Disaster / crime prevention", 18, 2) == \
        "Disaster /\ncrime prevention"


# --- flow stages ---------------------------------------------------------------------------------

def tiny(*cases) -> pd.DataFrame:
    """Cases as (source items, data items, target items, linked items, theme id)."""
    rows = []
    for number, (*items, theme_id) in enumerate(cases, start=1):
        row = {"case_id": str(number), "theme_id": theme_id, "secondary_theme_ids": ()}
        for element, values in zip(ELEMENTS, items, strict=True):
            row[element] = "/".join(values)
            row[f"{element}_items"] = tuple(values)
        rows.append(row)
    return pd.DataFrame(rows)


TWO_CASES = tiny((("健診システム", "お薬手帳"), ("健診結果",), ("PHR",), ("健康指導", "服薬指導"),
                  "health"),
                 (("地域通貨",), ("健診結果", "購買履歴"), ("PHR",), ("健康指導",), "tourism"))


def stages(cases, **kwargs):
    """The flow stages' (nodes, links)."""
    counted = flow_stages(cases, TAXONOMIES, **kwargs)
    return counted.nodes, counted.links


def weights(nodes, stage):
    part = nodes[nodes["stage"] == stage].sort_values("order")
    return list(zip(part["value"], part["weight"], strict=True))


def link_set(links):
    return {(s, a, b, t, round(w, 9)) for s, a, b, t, w in links.itertuples(index=False)}


def test_flow_stages_splits_each_case_evenly():
    nodes, links = stages(TWO_CASES)
    assert list(nodes.columns) == ["stage", "value", "weight", "order"]
    assert list(links.columns) == ["stage", "source", "target", "theme_id", "weight"]
    assert weights(nodes, 0) == [("地域通貨", 1.0), ("お薬手帳", 0.5), ("健診システム", 0.5)]
    assert weights(nodes, 1) == [("健診結果", 1.5), ("購買履歴", 0.5)]
    assert weights(nodes, 2) == [("PHR", 2.0)]
    assert weights(nodes, 3) == [("健康指導", 1.5), ("服薬指導", 0.5)]
    assert nodes.groupby("stage")["weight"].sum().tolist() == [2.0, 2.0, 2.0, 2.0]
    assert link_set(links) == {
        (0, "健診システム", "健診結果", "health", 0.5), (0, "お薬手帳", "健診結果", "health", 0.5),
        (0, "地域通貨", "健診結果", "tourism", 0.5), (0, "地域通貨", "購買履歴", "tourism", 0.5),
        (1, "健診結果", "PHR", "health", 1.0), (1, "健診結果", "PHR", "tourism", 0.5),
        (1, "購買履歴", "PHR", "tourism", 0.5),
        (2, "PHR", "健康指導", "health", 0.5), (2, "PHR", "服薬指導", "health", 0.5),
        (2, "PHR", "健康指導", "tourism", 1.0),
    }
    assert links.groupby("stage")["weight"].sum().tolist() == [2.0, 2.0, 2.0]


def test_flow_stages_pairs_split_over_both_sides_and_gaps():
    cases = tiny((("A", "B"), ("x", "y", "z"), (), ("β",), "mobility"),
                 (("A",), ("x",), ("T",), ("β",), "mobility"))
    nodes, links = stages(cases)
    first = links[links["stage"] == 0]
    assert link_set(first) == {(0, "A", "x", "mobility", round(1 / 6 + 1, 9)),
                               (0, "A", "y", "mobility", round(1 / 6, 9)),
                               (0, "A", "z", "mobility", round(1 / 6, 9)),
                               (0, "B", "x", "mobility", round(1 / 6, 9)),
                               (0, "B", "y", "mobility", round(1 / 6, 9)),
                               (0, "B", "z", "mobility", round(1 / 6, 9))}
    # the first case has no target: stage ③ counts only the second, and it has no ②→③ link
    assert weights(nodes, 2) == [("T", 1.0)]
    assert link_set(links[links["stage"] == 1]) == {(1, "x", "T", "mobility", 1.0)}
    assert link_set(links[links["stage"] == 2]) == {(2, "T", "β", "mobility", 1.0)}
    assert weights(nodes, 3) == [("β", 2.0)]


def test_flow_stages_folds_beyond_top_into_other_last():
    cases = tiny((("A",), ("d",), ("T",), ("β",), "health"),
                 (("A",), ("d",), ("T",), ("β",), "health"),
                 (("B",), ("d",), ("T",), ("β",), "tourism"),
                 (("C",), ("d",), ("T",), ("β",), "tourism"),
                 (("D", "E"), ("d",), ("T",), ("β",), "disaster"))
    nodes, links = stages(cases, top=1)
    assert weights(nodes, 0) == [("A", 2.0), (OTHER, 3.0)]  # the rest last although heavier
    assert link_set(links[links["stage"] == 0]) == {(0, "A", "d", "health", 2.0),
                                                     (0, OTHER, "d", "tourism", 2.0),
                                                     (0, OTHER, "d", "disaster", 1.0)}
    nodes_all, _ = stages(cases, top=None)
    assert [label for label, _ in weights(nodes_all, 0)] == ["A", "B", "C", "D", "E"]


def test_flow_stages_theme_filter():
    nodes, links = stages(TWO_CASES, theme="health")
    assert nodes.groupby("stage")["weight"].sum().tolist() == [1.0, 1.0, 1.0, 1.0]
    assert set(links["theme_id"]) == {"health"}
    assert weights(nodes, 0) == [("お薬手帳", 0.5), ("健診システム", 0.5)]
    nodes, links = stages(TWO_CASES, theme="mobility")
    assert nodes.empty and links.empty
    with pytest.raises(FlowmatrixError, match="no-such-theme"):
        stages(TWO_CASES, theme="no-such-theme")


def test_flow_stages_on_the_sample_sum_to_the_cases(sample):
    nodes, links = stages(sample, top=8)
    assert nodes.groupby("stage")["weight"].sum().round(6).tolist() == [31.0] * 4
    assert nodes.groupby("stage").size().max() <= 9
    assert links.groupby("stage")["weight"].sum().round(6).tolist() == [31.0] * 3


# --- flow chart ----------------------------------------------------------------------------------

def test_flow_chart_titles_headers_and_legend(sample):
    figure = flow(sample, "ja", theme="health")
    texts = all_texts(figure)
    assert "健康／医療分野でのデータ連携の流れ（①→②→③→④）" in texts
    assert all(ELEMENT_LABELS["ja"][e] in texts for e in ELEMENTS)
    legend = figure.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["健康／医療"]
    figure = flow(sample, "en")
    assert "Data flows (① → ② → ③ → ④)" in all_texts(figure)
    legend_texts = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert "Tourism / regional economy" in legend_texts and "Other" not in legend_texts
    assert "No data" in all_texts(flow(sample, "en", theme="other"))


def test_flow_chart_draws_aggregates_not_cases(sample):
    """Many more cases with the same items draw the same number of shapes."""
    many = pd.concat([sample] * 40, ignore_index=True)
    small = flow(sample).axes[0]
    large = flow(many).axes[0]
    assert len(large.patches) == len(small.patches)
    assert len(large.texts) == len(small.texts)


# --- colours -------------------------------------------------------------------------------------

def test_theme_colours():
    taxonomy = load_taxonomy()
    assert set(taxonomy.ids) <= set(charts.THEME_COLOURS)
    assert len(set(charts.THEME_COLOURS.values())) == len(charts.THEME_COLOURS)
    assert charts.theme_colour("health", taxonomy) == charts.THEME_COLOURS["health"]
    custom = Taxonomy(themes=(*taxonomy.themes, Theme("sports", "スポーツ", "Sports"),
                              Theme("culture", "文化", "Culture")), source="test")
    assert charts.theme_colour("sports", custom) == charts.FALLBACK_COLOURS[0]
    assert charts.theme_colour("culture", custom) == charts.FALLBACK_COLOURS[1]
    unknown = charts.theme_colour("not-in-taxonomy", custom)
    assert unknown in charts.FALLBACK_COLOURS
    assert charts.theme_colour("not-in-taxonomy", custom) == unknown
