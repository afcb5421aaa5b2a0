"""The plain-text splitter, one test per hard case, on texts written for these tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from extraction import split_text

ARTICLE = (
    "The city council voted on Monday to extend the night bus network to the eastern suburbs.\n\n"
    "Councillors said the new routes would start in March and run every thirty minutes after midnight.\n\n"
    "Residents' groups welcomed the decision, which follows a two-year campaign."
)
HEADLINES = [
    "Bakery chain opens twelve new shops in the region",
    "Storm warning issued for the northern coast tonight",
    "Local school wins national robotics championship",
]


def assert_split(text: str, body: str, headlines: list[str]) -> None:
    result = split_text(text)
    assert result.body.strip() == body.strip()
    assert result.headlines == headlines


def assert_untouched(text: str) -> None:
    result = split_text(text)
    assert result.body == text
    assert result.headlines == []


# -- lists that go ------------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\n", "\n\n"], ids=["single-newline", "blank-lines"])
def test_a_plain_block_of_headlines_in_either_layout(separator: str) -> None:
    assert_split(ARTICLE + "\n\n" + separator.join(HEADLINES), ARTICLE, HEADLINES)


@pytest.mark.parametrize(
    "marker",
    [
        "Related:",
        "Read more",
        "ALSO READ",
        "Latest News",
        "Most Popular",
        "Editor's Picks",
        "You may also like",
    ],
)
def test_marker_introduced_lists(marker: str) -> None:
    assert_split(ARTICLE + f"\n\n{marker}\n" + "\n".join(HEADLINES[:2]), ARTICLE, HEADLINES[:2])


def test_bullets_numbers_and_bare_number_lines() -> None:
    assert_split(ARTICLE + "\n\n" + "\n".join(f"• {h}" for h in HEADLINES[:2]), ARTICLE, HEADLINES[:2])
    assert_split(
        ARTICLE + "\n\n" + "\n".join(f"{i}. {h}" for i, h in enumerate(HEADLINES, 1)), ARTICLE, HEADLINES
    )
    bare = "\n".join(f"{i}\n{h}" for i, h in enumerate(HEADLINES[:2], 1))
    assert_split(ARTICLE + "\n" + bare, ARTICLE, HEADLINES[:2])


def test_a_list_followed_by_a_footer_line() -> None:
    text = ARTICLE + "\n\n" + "\n".join(HEADLINES) + "\n\n© 2026 City Paper. All rights reserved.\n"
    assert_split(text, ARTICLE, HEADLINES)
    assert_split(
        ARTICLE + "\n\nRelated\n" + "\n".join(HEADLINES[:2]) + "\nAdvertisement", ARTICLE, HEADLINES[:2]
    )


def test_sentence_case_questions_quotes_and_us_endings() -> None:
    items = [
        "Why are night buses so expensive to run?",
        "Mayor says the plan is 'a fair deal for everyone'",
        "Rail strikes spread across the U.S.",
    ]
    assert_split(ARTICLE + "\n\n" + "\n".join(items), ARTICLE, items)


def test_headline_and_dek_pairs_under_a_marker() -> None:
    pairs = [
        "Bakery chain opens twelve new shops",
        "The family firm now employs more than 400 people.",
        "Storm warning issued for the coast",
        "Forecasters expect gusts of up to 90 km/h overnight.",
    ]
    assert_split(ARTICLE + "\n\nMore stories\n" + "\n".join(pairs), ARTICLE, [pairs[0], pairs[2]])


def test_duplicated_items_are_returned_once() -> None:
    text = ARTICLE + "\n\nRelated\n" + "\n".join([HEADLINES[0], HEADLINES[1], HEADLINES[0]])
    assert_split(text, ARTICLE, HEADLINES[:2])


def test_a_short_brief_followed_by_a_list() -> None:
    brief = (
        "The coast road is closed after a landslide; drivers should use the inland route.\n"
        "Engineers expect to reopen one lane by Friday evening."
    )
    assert_split(brief + "\n\nLatest news\n" + "\n".join(HEADLINES[:2]), brief, HEADLINES[:2])


@pytest.mark.parametrize(
    "article, marker, items",
    [
        (
            "Der Stadtrat hat am Montag beschlossen, das Nachtbusnetz in die östlichen Vororte auszuweiten.\n\n"
            "Die neuen Linien sollen im März starten und nach Mitternacht alle dreißig Minuten fahren.",
            "Mehr zum Thema",
            ["Stadtrat beschließt neuen Busplan", "Nachtbusse fahren ab März häufiger"],
        ),
        (
            "El ayuntamiento aprobó el lunes ampliar la red de autobuses nocturnos a los barrios del este.\n\n"
            "Las nuevas líneas empezarán en marzo y pasarán cada treinta minutos después de medianoche.",
            "Te puede interesar",
            ["La panadería abre doce tiendas nuevas", "Alerta por tormenta en la costa norte"],
        ),
        (
            "Городской совет в понедельник решил расширить сеть ночных автобусов на восточные районы.\n\n"
            "Новые маршруты начнут работать в марте и будут ходить каждые тридцать минут после полуночи.",
            "Читайте также",
            [
                "Пекарня открывает двенадцать новых магазинов",
                "На северном побережье объявлено штормовое предупреждение",
            ],
        ),
        (
            "市议会周一投票决定将夜间公交网络延伸至东部郊区。\n\n新线路将于三月开通，午夜后每三十分钟一班。",
            "相关新闻",
            ["本市新建三所小学预计明年秋季开学", "地铁四号线延长工程正式开工建设"],
        ),
        (
            "市議会は月曜日、深夜バス路線を東部郊外まで延長することを決めた。\n\n新路線は三月に運行を始める予定だ。",
            "関連記事",
            ["市内に新しい小学校が三校開校へ", "地下鉄四号線の延伸工事が始まる"],
        ),
    ],
    ids=["german", "spanish", "russian", "chinese", "japanese"],
)
def test_non_english_lists(article: str, marker: str, items: list[str]) -> None:
    assert_split(article + f"\n\n{marker}\n" + "\n".join(items), article, items)


def test_german_capitalised_nouns_are_not_headlines() -> None:
    text = (
        "Der Bürgermeister sagte am Montag, die Finanzierung der Buslinien sei für zehn Jahre gesichert.\n\n"
        "Die Verkehrsbetriebe Nord und Süd begrüßten die Entscheidung\n"
        "Die Gewerkschaft der Fahrer kündigte Gespräche an"
    )
    assert_untouched(text)


# -- text that stays ---------------------------------------------------------------------------------


def test_an_article_without_a_list_is_untouched() -> None:
    assert_untouched(ARTICLE)


def test_the_article_ending_with_a_short_quote() -> None:
    assert_untouched(ARTICLE + '\n\n"It is about time," she said.\n\n"We waited long enough."')


def test_a_last_sentence_that_lost_its_period_is_not_a_headline() -> None:
    text = ARTICLE + (
        "\n\nThe council will publish the detailed timetable for all of the new routes on its website "
        "before the end of the month, together with a map of every stop on the network"
    )
    assert_untouched(text)


@pytest.mark.parametrize(
    "tail",
    [
        "(Reporting by Jane Doe; Editing by John Smith)",
        "© Reuters 2026",
        "Contributing: Maria Lopez, Sam Kim",
        "By Jane Doe, Transport Correspondent",
        "— Mayor Ann Lee (@mayorannlee) November 24, 2026",
        "Photo: A night bus at the central station. (Credit: City Transport)",
        "Getty Images",
    ],
)
def test_wire_credits_bylines_tweets_and_captions_stay(tail: str) -> None:
    text = (
        ARTICLE
        + "\n\n"
        + "\n".join([tail, "(Reporting by Jane Doe; Editing by John Smith)", "© Reuters 2026"])
    )
    assert_untouched(text)


def test_a_list_announced_by_a_colon_belongs_to_the_article() -> None:
    assert_untouched(
        ARTICLE + "\n\nThe new routes will serve these districts:\nEastfield and Marsh Lane\n"
        "Old Town via the station\nRiverside and the university campus"
    )


def test_qualified_teams_tour_dates_and_bullet_summaries_stay() -> None:
    assert_untouched(ARTICLE + "\n\nQualified teams:\nBrazil\nArgentina\nGermany\nJapan")
    assert_untouched(
        ARTICLE + "\n\nTour dates\nMarch 3 – Berlin, Mercedes-Benz Arena\nMarch 5 – Hamburg, Barclays Arena\n"
        "March 8 – Munich, Olympiahalle"
    )
    assert_untouched(
        ARTICLE + "\n\nWhat you need to know:\n- Routes start in March\n- Buses run every thirty minutes\n"
        "- Fares stay the same"
    )


def test_an_inline_read_more_in_mid_body_is_not_cut() -> None:
    text = ARTICLE.replace(
        "\n\nResidents'", "\n\nRead more: Night buses return after the pandemic pause\n\nResidents'"
    )
    assert_untouched(text)


def test_never_more_than_half_of_the_text() -> None:
    short = "Short brief about a road closure today.\n\n" + "\n".join(
        f"Another unrelated headline number {i} appears here" for i in range(12)
    )
    assert_untouched(short)


def test_the_articles_own_list_of_related_topics_stays() -> None:
    # Items drawn from the article's own words are a section of it, not a widget of other stories.
    text = (
        "Tutoring helps pupils most when sessions are frequent, small and led by trained tutors.\n\n"
        "Schools choosing a tutoring model weigh cost, staffing and how sessions fit the timetable.\n\n"
        "Frequent Tutoring Sessions With Trained Tutors\nSmall Group Tutoring Models for Schools\n"
        "Tutoring Costs and Staffing in the Timetable"
    )
    assert_untouched(text)


# -- shapes seen on pages outside the dev cases (texts written for these tests) -----------------------


@pytest.mark.parametrize(
    "credit", ["(Image credit: Jane Smith / City Transport)", "(Photo: Reuters)", "(Credit: City Archive)"]
)
def test_a_list_after_an_image_credit_line_goes_and_the_credit_stays(credit: str) -> None:
    body = ARTICLE + "\n" + credit
    assert_split(body + "\n" + "\n".join(HEADLINES[:2]), body, HEADLINES[:2])


def test_headlines_with_their_own_section_prefix() -> None:
    items = [
        "Photos: Inside the new harbour ferry terminal",
        "Photos: Lantern festival lights up the old town",
        "Analysis | Why the night buses took two years",
    ]
    assert_split(ARTICLE + "\n\n" + "\n".join(items), ARTICLE, items)
    events = [f"Euro 2028 | {h}" for h in HEADLINES]
    assert_split(ARTICLE + "\n\n" + "\n".join(events), ARTICLE, events)


def test_the_widgets_time_stamps_and_copyright_go_with_the_list() -> None:
    tail = (
        "Updated: Nov 24, 2026 10:32 AM\nPosted: 24/11/2026 09:15\n© 2026 City News Ltd. All rights reserved."
    )
    assert_split(ARTICLE + "\n\n" + "\n".join(HEADLINES) + "\n" + tail, ARTICLE, HEADLINES)


def test_a_list_under_a_sentence_that_hands_over_to_other_stories() -> None:
    lead_in = "If you are looking for more city travel tips, check out these articles!"
    assert_split(ARTICLE + "\n\n" + lead_in + "\n" + "\n".join(HEADLINES), ARTICLE, HEADLINES)
    assert_untouched(ARTICLE + "\n\nThe mayor said she would read more articles about it")


@pytest.mark.parametrize(
    "marker", ["Other Posts:", "You’ll Also Love...", "Read This Next", "More from City Life:"]
)
def test_widget_titles_and_titles_ending_with_a_full_stop_under_them(marker: str) -> None:
    items = ["A night on the last bus, and what we learned.", HEADLINES[0]]
    assert_split(ARTICLE + "\n" + marker + "\n" + "\n".join(items), ARTICLE, items)


def test_prose_under_a_widget_title_is_not_a_list_of_titles() -> None:
    assert_untouched(
        ARTICLE + "\nRelated Posts:\nLeave a comment\nAll comments are moderated before being published.\n"
        "This site is protected by a captcha and its privacy policy applies."
    )


def test_posts_with_their_dates_go_and_event_dates_stay() -> None:
    posts = [
        "A Mindful Approach to the Morning Commute - January 13, 2020",
        "Just This Next Stop - December 16, 2019",
        "Night Buses: A Practice for Waiting in Line - December 9, 2019",
    ]
    assert_split(ARTICLE + "\n\n" + "\n".join(f"- {p}" for p in posts), ARTICLE, posts)
    assert_untouched(
        ARTICLE + "\n\n- Transport Expo Berlin - February 17-18, 2027, Berlin, Germany\n"
        "- Bus Summit - April 21-22, 2027, Warsaw, Poland\n- Mobility Week - June 17-20, 2027, Paris, France"
    )


def test_an_affiliate_disclosure_after_the_list_goes_with_it() -> None:
    text = (
        ARTICLE
        + "\n\n"
        + "\n".join(HEADLINES)
        + "\nThis post may contain affiliate links. Read more on our About page!"
    )
    assert_split(text, ARTICLE, HEADLINES)


def test_headlines_each_with_its_time_stamp_go_and_the_articles_own_stamp_stays() -> None:
    stamped = "\n".join(
        f"{h}\n{stamp}"
        for h, stamp in zip(HEADLINES, ["May 15, 2026", "3 hours ago", "05.14.2026"], strict=True)
    )
    assert_split(ARTICLE + "\n\n" + stamped, ARTICLE, HEADLINES)
    body = ARTICLE + "\n\nLast updated: Nov 4, 2026"
    assert_split(body + "\n\n" + "\n".join(HEADLINES), body, HEADLINES)


def test_a_time_stamp_without_a_list_stays() -> None:
    assert_untouched(ARTICLE + "\n\nUpdated: Nov 24, 2026 10:32 AM")


@pytest.mark.parametrize("rule", ["______", "-----", "==========", "— — —"])
def test_a_rule_between_the_article_and_the_list_goes_with_the_list(rule: str) -> None:
    assert_split(ARTICLE + "\n" + rule + "\n" + "\n".join(HEADLINES[:2]), ARTICLE, HEADLINES[:2])


def test_a_rule_before_the_articles_last_paragraphs_is_not_a_list() -> None:
    assert_untouched(
        ARTICLE + "\n\n______\n\nThe council meets again in January to set the timetable.\n"
        "Campaigners said they would keep pressing for a stop near the hospital."
    )


@pytest.mark.parametrize(
    "numbering",
    [
        lambda i, h: f"{i}.{h}",
        lambda i, h: f"{i}){h}",
        lambda i, h: f"{i}\n{h}",
        lambda i, h: f"{i}.\n{h}",
        lambda i, h: f"{i})\n{h}",
        lambda i, h: f"#{i} {h}",
        lambda i, h: f"{i} - {h}",
        lambda i, h: f"{i}: {h}",
        lambda i, h: f"{i} {h}",
        lambda i, h: f"{i:02d}. {h}",
    ],
    ids=[
        "dot-no-space",
        "paren-no-space",
        "bare",
        "bare-dot",
        "bare-paren",
        "hash",
        "dash",
        "colon",
        "space",
        "zero-padded",
    ],
)
def test_numbered_items_in_every_spelling(numbering: Callable[[int, str], str]) -> None:
    items = HEADLINES[:2]
    text = ARTICLE + "\n" + "\n".join(numbering(i, h) for i, h in enumerate(items, start=1))
    assert_split(text, ARTICLE, items)


def test_figures_at_the_start_of_a_line_are_not_numbering() -> None:
    assert_untouched(
        ARTICLE + "\n\n1.5 million passengers used the night buses last year\n"
        "2.3 million are expected once the eastern routes open"
    )


def test_a_number_run_into_a_quoted_title() -> None:
    items = [f"“{h}”" for h in HEADLINES[:2]]
    assert_split(ARTICLE + "\n" + "\n".join(f"{i}.{h}" for i, h in enumerate(items, start=1)), ARTICLE, items)


def test_a_numbered_title_that_starts_with_a_figure_between_plainly_numbered_ones() -> None:
    items = [HEADLINES[0], "5 reasons the ferry timetable changed", HEADLINES[1]]
    text = ARTICLE + "\n" + "\n".join(f"{i}.{h}" for i, h in enumerate(items, start=1))
    assert_split(text, ARTICLE, items)


def test_a_numbered_title_ending_with_a_full_stop_between_numbered_ones() -> None:
    items = [HEADLINES[0], "Who reads the timetable? Increasingly, nobody.", HEADLINES[1], HEADLINES[2]]
    numbered = "\n".join(f"{i}. {h}" for i, h in enumerate(items, start=1))
    assert_split(ARTICLE + "\n\n" + numbered, ARTICLE, items)
    bare = "\n".join(f"{i}\n{h}" for i, h in enumerate(items, start=1))
    assert_split(ARTICLE + "\n\n" + bare, ARTICLE, items)


def test_the_articles_numbered_steps_and_footnotes_stay() -> None:
    # Sentences are not titles, however they are numbered: the last one decides.
    assert_untouched(
        ARTICLE + "\n\n1. Check the new timetable online.\n2. Buy a night ticket before boarding.\n"
        "3. Wait at the marked stop."
    )
    assert_untouched(
        ARTICLE + "\n\n1 The figure includes the weekend routes. ↩\n2 And, of course, the airport shuttle ↩\n"
        "3 ...which the council runs with the county ↩︎"
    )


def test_a_long_articles_words_far_above_do_not_hold_a_list_of_other_stories() -> None:
    # A long guide mentions, early on, most words of the site's other stories listed after it; the list
    # follows from the text just above it, which is about something else.
    early = " ".join(f"Section {i} covers: {'; '.join(h.lower() for h in HEADLINES)}." for i in range(20))
    filler = " ".join(
        f"Paragraph {i} goes on about timetables for the night buses across the eastern suburbs."
        for i in range(250)
    )
    body = ARTICLE + "\n\n" + early + "\n\n" + filler
    numbered = "\n".join(f"{i}. {h}" for i, h in enumerate(HEADLINES, start=1))
    assert_split(body + "\n\n" + numbered, body, HEADLINES)
    # Under a short article the same words are near the list: it stays (the article's own topics).
    assert_untouched(ARTICLE + "\n\n" + early + "\n\n" + "\n".join(HEADLINES))


def test_a_lists_words_found_only_inside_the_articles_longer_words_do_not_hold_it() -> None:
    # "port" in "airport", "cast" in "broadcast", "vote" in "devotes": not the list's words, however often
    # they occur there, so the list of other stories still goes.
    paragraph = (
        "During the broadcast from abroad, the airport was an ideal place to award the redesigned forecast "
        "that devotes a page to the floorplan."
    )
    body = ARTICLE + "\n\n" + "\n\n".join([paragraph] * 40)
    headlines = ["Port deal signed", "Ward votes cast", "Ring road plan"]
    assert_split(body + "\n\n" + "\n".join(headlines), body, headlines)


# -- related posts with excerpts ----------------------------------------------------------------------

TEASED = [
    (
        "Ferry operator adds a late crossing on Fridays",
        "The operator said the extra sailing would leave the harbour at",
    ),
    (
        "Harbour museum reopens after a year of repairs",
        "Visitors queued from early morning to see the restored sail loft and",
    ),
    (
        "Fishing quotas to be reviewed before the spring",
        "Skippers have asked the ministry to publish the new figures before",
    ),
]


def test_headlines_with_excerpts_cut_at_the_same_length_go() -> None:
    # A widget cuts each excerpt at the same number of characters, inside a word or a sentence.
    width = 96
    teased = [
        (h, (e + " the end of the month, and the council said it would look again at the fares")[:width])
        for h, e in TEASED
    ]
    body = ARTICLE + "\n\n" + ARTICLE
    assert_split(body + "\n" + "\n".join(f"{h}\n{e}" for h, e in teased) + "\n", body, [h for h, _ in TEASED])


def test_excerpts_cut_at_an_ellipsis_go_under_headlines_or_a_widgets_title() -> None:
    body = ARTICLE + "\n\n" + ARTICLE
    teased = "\n".join(f"{h}\n{e}…" for h, e in TEASED)
    assert_split(body + "\n\n" + teased, body, [h for h, _ in TEASED])
    alone = "\n".join(f"{e} [...]" for _, e in TEASED)
    assert_split(body + "\n\nMore stories\n" + alone, body, [f"{e} [...]" for _, e in TEASED])


def test_related_posts_with_their_dates_and_sections_give_only_the_headlines() -> None:
    cards = "\n\n".join(
        f'{h}\n{day} March 2025\nIn "{section}"'
        for h, day, section in zip(HEADLINES, (3, 2, 1), ("News", "Business", "Schools"), strict=True)
    )
    body = ARTICLE + "\n\n" + ARTICLE
    assert_split(body + "\n\nRelated\n\n" + cards + "\n", body, HEADLINES)


def test_a_widget_title_that_says_the_stories_may_interest_the_reader() -> None:
    body = ARTICLE + "\n\n" + ARTICLE
    items = ["Check out our guide to the night bus routes", "Read the full timetable review"]
    assert_split(
        body + "\n\nThis might be interesting to you:\n" + "\n".join(f"- {i}" for i in items), body, items
    )


# A widget's title may name the site's topic between its first word and the kind of stories it lists; it
# goes with the list under it.
TIPS = "\n".join(
    f"- {tip}"
    for tip in (
        "Buy a day ticket before you board: drivers no longer take cash on the night routes.",
        "The last buses leave the station at half past three, so plan the way home early.",
        "Seats upstairs at the front are the quietest on the long eastern route.",
    )
)
GUIDES = [
    "How to Spend Three Days in the Highlands- My Itinerary",
    "9 Ways to See the Old Town on Foot",
    "Lochside Walks- A Guide to the Quiet Paths",
    "Island Ferries- Timetables and Tickets",
]


@pytest.mark.parametrize(
    "title",
    ["More Scotland Travel Guides", "Other Night Bus Stories", "Recent Transport News:", "More Guides"],
)
def test_a_widget_title_naming_the_sites_topic_marks_the_list_under_it(title: str) -> None:
    body = ARTICLE + "\n\n" + TIPS
    assert_split(body + f"\n\n{title}\n" + "\n".join(f"- {g}" for g in GUIDES), body, GUIDES)


@pytest.mark.parametrize(
    "lead_in",
    [
        "You may also be interested in the following articles:",
        "You might be interested in these related stories",
    ],
)
def test_a_sentence_saying_the_stories_below_may_interest_the_reader_goes_with_them(lead_in: str) -> None:
    items = "\n".join(f"- {h}" for h in HEADLINES)
    assert_split(f"{ARTICLE}\n\n{lead_in}\n{items}", ARTICLE, HEADLINES)
    # Under a widget's title, the title goes too.
    assert_split(f"{ARTICLE}\n\nRelated coverage\n{lead_in}\n{items}", ARTICLE, HEADLINES)


def test_a_line_of_more_than_a_few_guides_is_not_a_widget_title() -> None:
    body = ARTICLE + "\n\n" + TIPS + "\n\nMore than 200 guides"
    assert_split(body + "\n" + "\n".join(f"- {g}" for g in GUIDES), body, GUIDES)


def test_an_article_ending_in_trailing_off_sentences_stays() -> None:
    assert_untouched(
        ARTICLE + "\n\nAnd then the last bus left without us, its lights fading down the empty road…\n"
        "We waited for the next one, and the one after that, counting the minutes until…\n"
        "Nobody came, not even the night porter who had promised to ring the depot for us…"
    )
    # Numbered titles of about one length are a list's own items, not headlines with excerpts.
    steps = [
        "Check the new timetable online before you set out tonight",
        "Buy a night ticket at the machine beside the shelter door",
        "Wait at the marked stop where the driver can see you clearly",
        "Press the bell once and keep your ticket ready for the check",
    ]
    assert_untouched(
        ARTICLE + "\n\nHow to ride the night bus:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
    )
