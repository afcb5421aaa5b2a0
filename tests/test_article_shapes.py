"""Page shapes that cost article text on real pages outside the dev corpus, each on a page written for
the test: class words inside longer names, articles spread over sibling blocks or table parts, trailing
related-post blocks, very short articles."""

from __future__ import annotations

import subprocess
import sys

import pytest

from extraction import extract

PARAGRAPHS = [
    "The regional water board voted on Thursday to replace the lead pipes under the old town by 2029.",
    "Engineers say the work will close two streets at a time, starting with the market square in May.",
    "Residents of the affected streets will be offered bottled water and a free filter for each home.",
    "The board expects the project to cost forty million euros, most of it paid by a European grant.",
    "Opponents on the council argued that the grant would not cover the rising price of copper pipe.",
    "A public meeting about the timetable is planned for the town hall on the second Monday of April.",
]


def page(body: str, title: str = "Water board replaces lead pipes") -> str:
    return (
        f"<!doctype html><html lang='en'><head><title>{title}</title></head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav></header>"
        f"<main>{body}</main>"
        "<footer><a href='/about'>About us</a> <a href='/privacy'>Privacy</a></footer></body></html>"
    )


def paras(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def in_mid_article(markup: str) -> str:
    """A page whose article has `markup` between its third and fourth paragraphs."""
    return page("<article>" + paras(PARAGRAPHS[:3]) + markup + paras(PARAGRAPHS[3:]) + "</article>")


def test_a_section_whose_id_is_a_heading_slug_is_article_text() -> None:
    html = page(
        "<article><h1>Water board replaces lead pipes</h1>"
        + paras(PARAGRAPHS[:3])
        + "<section id='sharing-the-cost-with-several-towns'><h2>Sharing the cost with several towns</h2>"
        + paras(PARAGRAPHS[3:])
        + "</section></article>"
    )
    body = extract(html).body
    for text in PARAGRAPHS:
        assert text in body


def test_a_wrapper_named_for_a_modal_that_holds_article_text_stays() -> None:
    html = page(
        "<article>"
        + paras(PARAGRAPHS[:3])
        + "<div class='js-modal-gallery-host'>"
        + paras(PARAGRAPHS[3:])
        + "</div></article>"
    )
    body = extract(html).body
    for text in PARAGRAPHS:
        assert text in body


OTHER_POSTS = [
    "How the harbour authority plans to pay for dredging the channel over the next ten years or so.",
    "Why the ferry company is replacing its two oldest boats with electric ones before next summer.",
    "What the new parking rules in the old town mean for residents, traders and weekend visitors.",
    "Five walks along the river that take less than an hour and end at a cafe with a view of the dam.",
    "The library extends its opening hours on weekdays and adds a reading room for the local archive.",
    "Where to see the spring lantern parade and which streets will be closed to traffic on the night.",
]


def test_a_layout_wrapper_named_for_its_sidebar_that_holds_the_article_stays() -> None:
    # The article and its section menu share a wrapper whose long name holds "sidebar"; the page's other
    # text (teasers of other posts, with excerpts) leaves the wrapper less than half the paragraph text.
    menu = "".join(
        f"<li><a href='/guide/step-{i}'>Step {i} of the guide to safer water</a></li>" for i in range(1, 16)
    )
    teasers = "".join(
        f"<div class='card'><a href='/blog/{i}'>Blog post {i}</a><p>{text}</p></div>"
        for i, text in enumerate(OTHER_POSTS)
    )
    html = page(
        "<div class='c-layout-sidebar-left'><nav><ul>" + menu + "</ul></nav>"
        "<div class='c-layout-main'>" + paras(PARAGRAPHS[:4]) + "</div></div>"
        "<div class='promo-strip'>" + teasers + "</div>"
    )
    body = extract(html).body
    for text in PARAGRAPHS[:4]:
        assert text in body


def test_a_hidden_raw_copy_of_the_article_for_machines_is_not_read() -> None:
    markdown = "\n\n".join(["# Water board replaces lead pipes", *(f"_{t}_" for t in PARAGRAPHS)])
    html = page(
        "<article>" + paras(PARAGRAPHS) + "</article>"
        f"<pre hidden aria-hidden='true' class='rawMarkdown'>{markdown}</pre>"
    )
    body = extract(html).body
    assert body == "\n\n".join(PARAGRAPHS)


SIGNUP = (
    "<section class='box'><div>Deals by text</div><div>Be the first to know!</div>"
    "<div>Get the editors' pick of the week's offers texted right to your phone, every Friday morning.</div>"
    "<form><input type='tel' name='phone'><button>Sign me up</button></form>"
    "<div>By signing up, you agree to receive recurring automated marketing messages at the number "
    "provided. Message and data rates may apply.</div></section>"
)


def test_a_sign_up_box_in_the_article_goes_with_its_pitch_and_small_print() -> None:
    assert extract(in_mid_article(SIGNUP)).body == "\n\n".join(PARAGRAPHS)


def test_a_short_article_that_shares_its_block_with_a_sign_up_form_stays() -> None:
    html = page(
        "<div class='post'>"
        + paras(PARAGRAPHS[:2])
        + "<form><input type='email' name='email'><button>Subscribe</button></form></div>"
    )
    assert extract(html).body == "\n\n".join(PARAGRAPHS[:2])


def test_a_link_wrapped_in_inline_markup_in_a_sentence_keeps_its_text() -> None:
    link = "<strong><span style='text-decoration: underline'><a href='/pipes'>lead pipes</a></span></strong>"
    sentence = f"Leading the list of {link} to go are those under the market square, the board said."
    body = extract(in_mid_article(f"<p>{sentence}</p>")).body
    assert "Leading the list of lead pipes to go are those under the market square" in body
    # Links beside nothing but each other are still a call to action, in mid-article too.
    pager = "<div><span><a href='/prev'>Previous story</a></span> | <span><a href='/next'>Next story</a></span></div>"
    assert extract(in_mid_article(pager)).body == "\n\n".join(PARAGRAPHS)


def test_an_article_that_is_mostly_a_list_keeps_its_intro() -> None:
    intro = "Moving to the new pipes takes a few steps from each household, the board explained on Thursday."
    items = "".join(
        f"<li><strong>Step {i}.</strong> {text} {text}</li>" for i, text in enumerate(PARAGRAPHS, 1)
    )
    html = page(f"<div class='entry-content'><p>{intro}</p><ol>{items}</ol></div>")
    body = extract(html).body
    assert body.startswith(intro)
    assert PARAGRAPHS[-1] in body


FAQ = [
    (
        "Will my street be closed?",
        "Only while the pipe under it is replaced, for about two weeks per street.",
    ),
    ("Do I need to be at home?", "Someone must let the engineers in to connect the new pipe to the meter."),
    ("Who pays for the new pipes?", "The board and the European grant: households pay nothing for the work."),
]


def folded(question: str, answer: str, style: str = "display:none") -> str:
    return f"<div class='faq-item'><button>{question}</button><div class='answer' style='{style}'><p>{answer} {answer} {answer}</p></div></div>"


def test_an_faqs_folded_answers_after_the_article_are_not_read() -> None:
    article = paras(PARAGRAPHS) + paras(OTHER_POSTS)
    html = page(
        "<article>" + article + "<h2>Questions</h2>" + "".join(folded(q, a) for q, a in FAQ) + "</article>"
    )
    body = extract(html).body
    for text in PARAGRAPHS:
        assert text in body
    for _, answer in FAQ:
        assert answer not in body


def test_an_article_folded_into_tabs_is_read() -> None:
    # Most of the page's text sits in panels its scripts show: they hold the article.
    panels = "".join(
        f"<div class='tab-panel' style='display: none'>{paras(PARAGRAPHS[i : i + 3])}</div>" for i in (0, 3)
    )
    body = extract(page("<article><h1>Water board replaces lead pipes</h1>" + panels + "</article>")).body
    for text in PARAGRAPHS:
        assert text in body


def test_a_page_whose_only_article_text_is_folded_is_not_emptied() -> None:
    # The folded block holds less than half of the page's paragraph text (the rest is in asides, which
    # go): rather than an empty body, the page is read again with its folds open.
    html = page(
        "<div class='intro'>"
        + folded("Why?", PARAGRAPHS[0] + " " + PARAGRAPHS[1])
        + "</div>"
        + "".join(f"<aside>{paras(OTHER_POSTS[i : i + 2])}</aside>" for i in (0, 2, 4, 0))
    )
    assert PARAGRAPHS[0] in extract(html).body


@pytest.mark.parametrize(
    "line",
    [
        "Article continues below",
        "Like this:",
        "Pin it for later!",
        "PIN FOR LATER",
        "Page 1 of 8",
        "Copyright",
    ],
)
def test_a_line_of_page_furniture_inside_the_article_is_dropped(line: str) -> None:
    assert extract(in_mid_article(f"<div>{line}</div>")).body == "\n\n".join(PARAGRAPHS)


def test_a_section_of_prose_named_more_is_not_a_headline_widget() -> None:
    html = page(
        "<article>"
        + paras(PARAGRAPHS[:3])
        + "<section class='content-block more'>"
        + paras(PARAGRAPHS[3:])
        + "<p><a href='/lead-pipes-explained'>Learn more about lead pipes and your health</a></p></section>"
        + "</article>"
    )
    extracted = extract(html)
    for text in PARAGRAPHS:
        assert text in extracted.body
    assert not any("Learn more" in h.text for h in extracted.headlines)


def test_an_article_split_over_sibling_story_blocks_is_read_whole() -> None:
    html = page(
        "<div class='story'><h1>Water board replaces lead pipes</h1>"
        f"<div class='story-body'><p>{PARAGRAPHS[0]}</p></div>"
        "<div class='ad-slot'><a href='/ad'>Advertisement</a></div>"
        "<div class='story-body'>" + paras(PARAGRAPHS[1:] * 3) + "</div></div>"
    )
    body = extract(html).body
    assert body.startswith(PARAGRAPHS[0])
    assert PARAGRAPHS[5] in body


def test_an_article_in_blocks_between_images_before_a_long_link_list_is_read_whole() -> None:
    # A site builder's column: each section its own block, images between them, then a list of links to
    # the site's other pages as long as the article (the column's link density above the bound).
    sections = [PARAGRAPHS[:2], PARAGRAPHS[2:3], PARAGRAPHS[3:6]]
    blocks = "<div class='block image-block'><img src='/pipe.jpg' alt=''></div>".join(
        f"<div class='block html-block'><div class='block-content'><div class='html-content'>{paras(texts)}"
        "</div></div></div>"
        for texts in sections
    )
    towns = [
        f"Lead pipe replacement costs in the town of {name}" for name in ("Ashford", "Bexley", "Crawley")
    ]
    towns += [f"Water board meetings and minutes for {name} district" for name in ("Dover", "Epsom", "Frome")]
    links = "".join(f"<p><a href='/towns/{k}'>{town}</a></p>" for k, town in enumerate(towns * 2))
    html = page(
        f"<article><div class='column'>{blocks}<div class='block html-block'><h3>Costs in other towns</h3>"
        f"</div><div class='row'>{links}</div></div></article>"
    )
    body = extract(html).body
    for text in PARAGRAPHS:
        assert text in body
    assert towns[0] not in body


def test_an_article_laid_out_in_table_rows_is_read_whole() -> None:
    rows = "".join(f"<tr><td><p>{t}</p></td></tr>" for t in PARAGRAPHS[1:] * 3)
    html = page(
        "<table class='layout'>"
        f"<thead><tr><td><h1>Water board replaces lead pipes</h1><p>{PARAGRAPHS[0]}</p></td></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    body = extract(html).body
    assert body.startswith(PARAGRAPHS[0])
    assert PARAGRAPHS[5] in body


RELATED_POST = (
    "<div class='jp-relatedposts-post'><h4><a href='/{slug}'>{title}</a></h4>"
    '<p>{excerpt}</p><p>March {day}, 2026</p><p>In "News"</p></div>'
)


def test_trailing_related_posts_with_excerpts_are_headlines_not_body() -> None:
    related = [
        ("bridge", "Bridge repairs finish a month early", "The old stone bridge reopens to cars on Friday."),
        ("library", "Library extends its opening hours", "From June the library stays open until nine."),
        ("buses", "Night buses return to the north line", "Three night routes come back after five years."),
    ]
    posts = "".join(
        RELATED_POST.format(slug=slug, title=title, excerpt=excerpt, day=day)
        for day, (slug, title, excerpt) in enumerate(related, start=3)
    )
    html = page(
        "<article>"
        + paras(PARAGRAPHS)
        + f"<div id='jp-relatedposts' class='jp-relatedposts'><h3>Related</h3>{posts}</div></article>"
    )
    extracted = extract(html, "https://town.example/news/lead-pipes")
    assert extracted.body.endswith(PARAGRAPHS[-1])
    for _, title, excerpt in related:
        assert excerpt not in extracted.body
        assert title in [h.text for h in extracted.headlines]


def test_a_live_ticker_after_the_article_is_not_body() -> None:
    ticker = "".join(
        f"<li><span class='time'>10:{m:02d}</span> <a href='/live/{m}'>{text}</a></li>"
        for m, text in [
            (12, "Storm warning issued for the coast tonight"),
            (25, "Airport reopens after the morning fog"),
            (31, "Train strike called off after late talks"),
        ]
    )
    html = page(
        "<article>" + paras(PARAGRAPHS) + "</article>"
        f"<div class='ticker'><h3>Live</h3><ul>{ticker}</ul></div>"
    )
    body = extract(html).body
    assert body.endswith(PARAGRAPHS[-1])
    assert "Storm warning" not in body


@pytest.mark.parametrize("closed", ["</body>", "</body></html>"])
def test_an_article_after_the_pages_early_end_is_read(closed: str) -> None:
    # A template that closes the page after its menu, then the article: a browser shows it in the body.
    menu = "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
    html = (
        f"<!doctype html><html lang='en'><head><title>Water board</title></head><body>{menu}{closed}"
        f"<section><article>{paras(PARAGRAPHS)}</article></section><footer>About us</footer></body></html>"
    )
    assert extract(html).body.split("\n\n") == PARAGRAPHS


def mojibake(text: str) -> str:
    """`text` as a page shows it when its UTF-8 was read as Windows-1252."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


def test_text_in_utf8_read_in_the_wrong_encoding_is_read_right() -> None:
    title = "The board’s plan for the café district"
    texts = [t.replace(" will ", " won’t ").replace("board", "board’s") for t in PARAGRAPHS]
    html = page(paras([mojibake(t) for t in texts]), title=mojibake(title))
    got = extract(html)
    assert got.title == title
    assert got.body.split("\n\n") == texts


def test_a_single_example_of_wrongly_read_text_in_an_article_stays_as_written() -> None:
    example = 'Old mail clients showed "Ã¤" where the letter ä was meant, and readers wrote in about it.'
    got = extract(page(paras([*PARAGRAPHS, example])))
    assert got.body.split("\n\n") == [*PARAGRAPHS, example]


def test_an_article_of_one_short_line_is_not_emptied() -> None:
    html = page("<article><h1>Market square closed</h1><p>Closed until Monday.</p></article>")
    assert extract(html).body == "Closed until Monday."


def test_an_article_of_short_lines_keeps_them() -> None:
    lines = ["Kick-off 15:00", "Home: Rovers", "Away: United", "Venue: Park Road"]
    html = page("<article><h1>Cup final line-up</h1>" + paras(lines) + "</article>")
    body = extract(html).body
    for line in lines[1:]:
        assert line in body


def test_repeated_paragraphs_are_kept() -> None:
    chorus = "We will build the town again, stone by stone and street by street."
    html = page("<article>" + paras([PARAGRAPHS[0], chorus, chorus, PARAGRAPHS[1]]) + "</article>")
    assert extract(html).body.count(chorus) == 2


def test_a_second_copy_of_the_article_in_another_layout_is_read_once() -> None:
    # Pages ship one layout for phones and one for desktops, or a tab and a print copy: the same paragraphs
    # twice in the container.
    html = page(
        "<article><div class='layout-wide'>"
        + paras(PARAGRAPHS)
        + "</div><div class='layout-narrow'>"
        + paras(PARAGRAPHS)
        + "</div></article>"
    )
    body = extract(html).body
    for text in PARAGRAPHS:
        assert body.count(text) == 1


def test_a_short_list_repeated_in_two_steps_of_a_how_to_stays_twice() -> None:
    steps = [
        "- By post: Registry Office, 12 Harbour Street, Port Ellen, with the signed form and a cheque.",
        "- In person: Registry Office, 12 Harbour Street, Port Ellen, weekdays from nine to four.",
        "- By fax: 01496 300 200, with the card authorisation form signed and dated on every page.",
    ]
    html = page(
        "<article><h2>Step 1: file the form</h2>"
        + paras(PARAGRAPHS[:2])
        + "<ul>" + "".join(f"<li>{s[2:]}</li>" for s in steps) + "</ul>"
        + "<h2>Step 2: file the notice</h2>"
        + paras(PARAGRAPHS[2:4])
        + "<ul>" + "".join(f"<li>{s[2:]}</li>" for s in steps) + "</ul>"
        + paras(PARAGRAPHS[4:])
        + "</article>"
    )  # fmt: skip
    body = extract(html).body
    for item in steps:
        assert body.count(item) == 2


def assert_teasers_are_headlines(html: str, titles: list[str]) -> str:
    """The body ends with the article's last paragraph and the teasers' titles are the headlines, in
    order; returns the body."""
    extracted = extract(html, "https://town.example/news/lead-pipes")
    assert extracted.body.endswith(PARAGRAPHS[-1])
    assert [h.text for h in extracted.headlines] == titles
    return extracted.body


def test_an_unnamed_trailing_block_of_title_and_excerpt_items_is_headlines() -> None:
    items = [
        ("/bridge", "Bridge repairs finish a month early", "The old stone bridge reopens to cars on Friday."),
        ("/library", "Library extends its opening hours", "From June the library stays open until nine."),
        ("/buses", "Night buses return to the north line", "Three night routes come back after five years."),
    ]
    block = "".join(
        f"<div class='wp-block-column'><h4><a href='{href}'>{title}</a></h4><p>{excerpt}</p>"
        "<p><span>12 March 2026</span></p></div>"
        for href, title, excerpt in items
    )
    html = page(
        "<article>" + paras(PARAGRAPHS) + "<div class='wp-block-group'><h3>You may also like</h3>"
        f"<div class='wp-block-columns'>{block}</div></div></article>"
    )
    assert_teasers_are_headlines(html, [title for _, title, _ in items])


TEASERS = [
    ("/bridge", "Transport", "Bridge repairs finish a month early"),
    ("/library", "Culture & Leisure", "Library extends its opening hours"),
    ("/buses", "Transport", "Night buses return to the north line"),
]
# An excerpt of three long sentences: teasers of page builders run to 400-550 characters.
EXCERPT = (
    "The council said on Monday that the work had gone faster than planned because the weather stayed dry "
    "through the spring and the contractor added a second crew for the night shifts. Residents who had "
    "complained about the noise were offered a meeting with the engineers. A full report follows in June."
)


def teaser(href: str, label: str, title: str) -> str:
    """A page builder's teaser: an image link, a section label, the title in a heading, a byline and
    dates, an excerpt."""
    return (
        f"<div class='carousel-item'><li class='entry-list-item'><article class='entry loop-entry'>"
        f"<a class='post-thumbnail' href='{href}' aria-label='{title}'><img src='{href}.jpg' alt=''></a>"
        f"<div class='entry-content-wrap'><header class='entry-header'><div class='entry-taxonomies'>"
        f"<a href='/category/{label.split()[0].lower()}'>{label}</a></div>"
        f"<h3 class='entry-title'><a href='{href}'>{title}</a></h3>"
        "<div class='entry-meta'><span>By</span> <a href='/author/ann'>Ann Reed</a> "
        "<time>March 12, 2026</time><time>March 14, 2026</time></div></header>"
        f"<div class='entry-summary'><p>{EXCERPT}</p></div></div></article></li></div>"
    )


def nested(inner: str, depth: int) -> str:
    return "<div class='row-wrap'>" * depth + inner + "</div>" * depth


def test_deeply_wrapped_teasers_with_labels_and_long_excerpts_are_headlines_not_body() -> None:
    items = "".join(teaser(*t) for t in TEASERS)
    related = nested(
        "<div class='entry-related'><h2>You might also like</h2>"
        f"<div class='carousel'><div class='track'><div class='list'>{items}</div></div></div></div>",
        depth=4,
    )
    signup = nested(
        "<h3>Stay in the loop</h3><p>Sign up and we’ll send the latest news and tips to your inbox.</p>"
        "<form><input type='email' name='email'><button>Sign me up</button></form>",
        depth=2,
    )
    html = page("<article>" + paras(PARAGRAPHS) + "</article>" + related + signup)
    body = assert_teasers_are_headlines(html, [title for _, _, title in TEASERS])
    assert "Stay in the loop" not in body and "You might also like" not in body


def test_an_also_in_marker_over_dated_teasers_leaves_with_them() -> None:
    items = "".join(
        f"<div class='post'><span class='section'>Front Page</span><h4><a href='{href}'>{title}</a></h4>"
        f"<span class='date'>December 19, 2025</span><p>{EXCERPT}</p></div>"
        for href, _, title in TEASERS
    )
    html = page(
        "<div class='column'><article>" + paras(PARAGRAPHS) + "</article>"
        f"<div><section class='labels'>ALSO IN THE NEWS</section></div><div class='posts'>{items}</div></div>"
    )
    assert_teasers_are_headlines(html, [title for _, _, title in TEASERS])


def test_a_closing_line_that_mentions_the_newsletter_is_article_text() -> None:
    closing = "P.S. If you found this useful, reply and tell me what you would change in your own newsletter."
    html = page("<article>" + paras([*PARAGRAPHS, closing]) + "</article>")
    assert extract(html).body.endswith(closing)


def titled(og_title: str, h1: str = "", site: str = "") -> str:
    head = f"<meta property='og:title' content='{og_title}'>" + (
        f"<meta property='og:site_name' content='{site}'>" if site else ""
    )
    heading = f"<h1>{h1}</h1>" if h1 else ""
    return (
        f"<!doctype html><html lang='en'><head><title>x</title>{head}</head><body>"
        f"<article>{heading}{paras(PARAGRAPHS)}</article></body></html>"
    )


def test_the_sites_name_after_the_headline_is_not_part_of_the_title() -> None:
    headline = "Water board replaces lead pipes"
    assert extract(titled(f"{headline} | The Town Gazette", h1=headline)).title == headline
    assert extract(titled(f"{headline} - The Town Gazette", site="The Town Gazette")).title == headline
    assert extract(titled(f"{headline} • Town Gazette News", site="Town Gazette")).title == headline
    # Without an <h1> or a site name that says so, a title with a dash is the title.
    assert (
        extract(titled("Lead pipes - the cost nobody counted")).title
        == "Lead pipes - the cost nobody counted"
    )


def test_the_author_is_found_in_the_pages_own_byline() -> None:
    def byline(markup: str) -> list[str]:
        return extract(
            titled("Water board replaces lead pipes").replace("<article>", f"<article>{markup}")
        ).authors

    assert byline("<div class='meta'>By <a href='/authors/jane-doe/'>Jane Doe</a></div>") == ["Jane Doe"]
    assert byline("<span itemprop='author'><span>Jane Doe</span></span>") == ["Jane Doe"]
    # The first element called an author's is a wrapper with a photo caption and a bio: the one holding
    # the name alone is taken; a link's "Learn more" is not a name; "Articles by" is not part of one.
    wrapper = (
        "<div class='author-box'><div class='author-name'>Jane Doe</div>"
        "<div class='author-bio'>Jane has covered the water board and the town council for the Gazette "
        "since 2015, and before that the courts.</div></div>"
    )
    assert byline(wrapper) == ["Jane Doe"]
    assert byline("<a href='/author/jane-doe'>Learn more</a><p class='byline'>Jane Doe</p>") == ["Jane Doe"]
    assert byline("<a href='/author/jane-doe'>Articles by Jane Doe</a>") == ["Jane Doe"]
    # A label, and the name in the element after it.
    assert byline(
        "<div><p>Last updated</p><p>Aug 4, 2025</p></div><div><p>Written by</p><p>Jane Doe</p></div>"
    ) == ["Jane Doe"]
    assert byline("<div class='meta'><span>Authors:</span><a href='/search?q=doe'>Jane Doe</a></div>") == [
        "Jane Doe"
    ]


def test_the_headline_the_page_shows_is_the_title() -> None:
    # og:title written for search results, the <h1> the reader sees: the same story in other words.
    shown = "Water board replaces the old town's lead pipes"
    assert extract(titled("Lead pipe replacement 2029: what residents need to know", h1=shown)).title == (
        "Lead pipe replacement 2029: what residents need to know"
    )
    assert extract(titled("Water board to replace old town lead pipes by 2029", h1=shown)).title == shown
    # A heading about something else (the site's name, a section) does not replace the title.
    assert extract(titled("Water board replaces lead pipes", h1="The Town Gazette Daily")).title == (
        "Water board replaces lead pipes"
    )


def test_a_title_and_an_author_escaped_twice_are_read_once() -> None:
    html = titled("Pipes &amp;amp; drains: what changes &amp;#8217;til 2029")
    assert extract(html).title == "Pipes & drains: what changes ’til 2029"
    html = html.replace("<head>", "<head><meta name='author' content='Maria &amp;amp; Katerina'>")
    assert extract(html).authors == ["Maria", "Katerina"]


def test_the_publication_day_is_not_the_last_update() -> None:
    html = (
        "<html><head><title>Pipes</title>"
        "<meta property='article:modified_time' content='2026-03-09T08:00:00+01:00'></head><body><article>"
        "<p class='meta'>Published on March 3, 2026 · Updated March 9, 2026</p>"
        + paras(PARAGRAPHS)
        + "</article></body></html>"
    )
    published = extract(html).published
    assert published is not None and published.date().isoformat() == "2026-03-03"


def test_a_copyright_year_is_not_a_publication_date() -> None:
    html = (
        "<html><head><title>Pipes</title></head><body><article>"
        + paras(PARAGRAPHS)
        + "</article><footer><p>© 2025 City Paper Ltd. Reg. no. 12-34-2025</p></footer></body></html>"
    )
    assert extract(html).published is None


def test_a_stated_publication_time_keeps_its_zone() -> None:
    html = (
        "<html><head><title>Pipes</title>"
        "<meta property='article:published_time' content='2026-03-04T00:30:00+01:00'></head><body><article>"
        + paras(PARAGRAPHS)
        + "</article></body></html>"
    )
    extracted = extract(html)
    assert extracted.published is not None and extracted.published.isoformat() == "2026-03-03T23:30:00"
    assert extracted.published_offset is not None and extracted.published_offset.total_seconds() == 3600


def test_extraction_never_loads_dateparser() -> None:
    # dateparser compiles every language's patterns on first use: seconds in each crawl worker.
    code = (
        "import sys\nfrom extraction import extract\n"
        "extract('<html><body><div class=\"date\">3 de marzo de 2024</div><p>Texto del artículo.</p></body></html>')\n"
        # htmldate reads strings with a separator and a day but neither a year nor an English month name
        # (a style sheet inside the body, as CSS-in-JS pages have) as maybe a date in another language
        "extract('<html><body><main><p>Texto del artículo.</p></main><footer><style>"
        ".css-f5-styles{width:86.25rem;max-width:100%;margin-left:auto}</style><p>Contacto</p></footer></body></html>')\n"
        "print('dateparser' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
