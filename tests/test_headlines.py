"""The plain-text splitter on cases written for these tests."""

from __future__ import annotations

from pipelines.headlines import split_text

ARTICLE = (
    "The city council voted on Monday to extend the night bus network to the eastern suburbs.\n\n"
    "Councillors said the new routes would start in March and run every thirty minutes after midnight.\n\n"
    "Residents' groups welcomed the decision, which follows a two-year campaign."
)


def test_a_plain_block_of_headlines_is_split_off() -> None:
    text = ARTICLE + (
        "\n\nBakery chain opens twelve new shops in the region\n"
        "Storm warning issued for the northern coast tonight\n"
        "Local school wins national robotics championship\n"
    )
    split = split_text(text)
    assert split.body.strip() == ARTICLE
    assert split.headlines == [
        "Bakery chain opens twelve new shops in the region",
        "Storm warning issued for the northern coast tonight",
        "Local school wins national robotics championship",
    ]


def test_a_marker_list_with_bullets_and_a_footer() -> None:
    text = ARTICLE + (
        "\n\nRelated:\n• Bus drivers agree new pay deal\n• Tram works delayed until autumn?\n"
        "\n© 2026 City Paper. All rights reserved."
    )
    split = split_text(text)
    assert split.body.strip() == ARTICLE
    assert split.headlines == ["Bus drivers agree new pay deal", "Tram works delayed until autumn?"]


def test_numbered_and_bare_number_lists() -> None:
    numbered = ARTICLE + "\n\n1. Harbour cranes to be replaced\n2. Airport adds routes to the south\n"
    assert split_text(numbered).headlines == [
        "Harbour cranes to be replaced",
        "Airport adds routes to the south",
    ]
    bare = ARTICLE + "\n1\nHarbour cranes to be replaced\n2\nAirport adds routes to the south\n"
    assert split_text(bare).headlines == ["Harbour cranes to be replaced", "Airport adds routes to the south"]


def test_an_article_without_a_list_is_untouched() -> None:
    assert split_text(ARTICLE).body == ARTICLE
    assert split_text(ARTICLE).headlines == []


def test_wire_credits_and_a_closing_quote_stay() -> None:
    text = ARTICLE + (
        '\n\n"We are delighted," said the campaign\'s chair\n'
        "(Reporting by Jane Doe; Editing by John Smith)\n© Reuters 2026"
    )
    split = split_text(text)
    assert "(Reporting by Jane Doe; Editing by John Smith)" in split.body
    assert split.headlines == []


def test_a_list_announced_by_a_colon_belongs_to_the_article() -> None:
    text = ARTICLE + (
        "\n\nThe new routes will serve these districts:\nEastfield and Marsh Lane\n"
        "Old Town via the station\nRiverside and the university campus"
    )
    split = split_text(text)
    assert split.body == text and split.headlines == []


def test_an_inline_read_more_in_mid_body_is_not_cut() -> None:
    text = "Read more: Night buses return after the pandemic pause\n\n" + ARTICLE
    assert split_text(text).body == text


def test_never_more_than_half_of_the_text() -> None:
    short = "Short brief about a road closure today.\n\n" + "\n".join(
        f"Another unrelated headline number {i} appears here" for i in range(12)
    )
    split = split_text(short)
    assert split.body == short and split.headlines == []


def test_german_marker_and_cjk_headlines() -> None:
    german = (
        ARTICLE
        + "\n\nMehr zum Thema\nStadtrat beschließt neuen Busplan\nNachtbusse fahren ab März häufiger\n"
    )
    assert split_text(german).headlines == [
        "Stadtrat beschließt neuen Busplan",
        "Nachtbusse fahren ab März häufiger",
    ]
    chinese = (
        "市议会周一投票决定将夜间公交网络延伸至东部郊区。\n\n议员们表示，新线路将于三月开通。\n\n"
        "相关新闻\n本市新建三所小学预计明年秋季开学\n地铁四号线延长工程正式开工建设\n"
    )
    assert split_text(chinese).headlines == [
        "本市新建三所小学预计明年秋季开学",
        "地铁四号线延长工程正式开工建设",
    ]
