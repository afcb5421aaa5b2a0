"""Extraction on pages written for these tests, modelled on real news page structures."""

from __future__ import annotations

from extraction import decode_html, extract

DIV_SOUP = """<!doctype html><html lang="en-US"><head><title>Tram line extended to the airport | Metro Daily</title>
<meta property="og:title" content="Tram line extended to the airport">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
 "headline":"Tram line extended to the airport","datePublished":"2026-03-04T10:15:00+01:00",
 "author":[{"@type":"Person","name":"Jo Bloggs"},{"@type":"Person","name":"Sam Lee"}]}</script>
<link rel="canonical" href="/transport/tram-airport">
</head><body>
<div class="cookie-consent">We value your privacy. Accept all cookies to continue.</div>
<div id="header"><div class="menu"><a href="/">Home</a><a href="/news">News</a><a href="/sport">Sport</a></div></div>
<div class="container"><div class="row"><div class="col-8">
<h1>Tram line extended to the airport</h1>
<div class="story-text">
<p>The city's tram network will reach the airport by 2028, the transport authority confirmed on Tuesday.</p>
<p>The six-kilometre extension will add four stops and is expected to carry twelve thousand passengers a day.</p>
<div class="inline-box related"><ul><li><a href="/a">Bus fares frozen for another year</a></li>
<li><a href="/b">Cycle hire scheme doubles in size</a></li><li><a href="/c">New ferry timetable announced</a></li></ul></div>
<p>Construction will begin next spring, with the busiest road junctions rebuilt during the summer holidays.</p>
<table><tr><th>Stop</th><th>Opens</th></tr><tr><td>Airport Terminal</td><td>2028</td></tr></table>
<p>Officials said ticket prices on the new section would match the rest of the network, ending the airport bus surcharge.</p>
</div>
<div class="more-stories"><h3>More from Metro Daily</h3><ul>
<li><a href="/x1">Council approves new school in the north district</a></li>
<li><a href="/x2">Hospital car park to become free for night staff</a></li>
<li><a href="/x3">Marathon route changes announced for April</a></li></ul></div>
<div class="comments"><p>Reader123: This is great news, finally something done about the traffic!</p></div>
</div><div class="col-4 sidebar"><h3>Most read</h3><ol><li><a href="/p">Popular thing one happened</a></li></ol></div>
</div></div>
<div class="footer">© 2026 Metro Daily. All rights reserved.</div>
</body></html>"""


def test_article_in_div_soup_keeps_the_article_and_drops_the_chrome() -> None:
    page = extract(DIV_SOUP, "https://metro.example/transport/tram-airport?utm_source=rss")
    assert page.body.startswith("The city's tram network will reach the airport by 2028")
    assert page.body.rstrip().endswith("ending the airport bus surcharge.")
    assert "Airport Terminal" in page.body  # a table inside the article stays
    for chrome in (
        "cookies",
        "Home",
        "Bus fares frozen",
        "Reader123",
        "Popular thing",
        "All rights reserved",
        "Tram line extended to the airport",
    ):
        assert chrome not in page.body
    assert "\n\n" in page.body


def test_trailing_widget_links_become_headlines_with_urls() -> None:
    page = extract(DIV_SOUP, "https://metro.example/transport/tram-airport")
    texts = [h.text for h in page.headlines]
    assert "Council approves new school in the north district" in texts
    assert "Marathon route changes announced for April" in texts
    assert "Bus fares frozen for another year" not in texts  # mid-body box: removed, not a trailing list
    urls = {h.text: h.url for h in page.headlines}
    assert urls["Council approves new school in the north district"] == "https://metro.example/x1"


def test_metadata_from_json_ld_and_link_tags() -> None:
    page = extract(DIV_SOUP, "https://metro.example/transport/tram-airport")
    assert page.title == "Tram line extended to the airport"
    assert page.authors == ["Jo Bloggs", "Sam Lee"]
    assert page.published is not None and page.published.isoformat() == "2026-03-04T09:15:00"
    assert page.language == "en-us"
    assert page.canonical_url == "https://metro.example/transport/tram-airport"


def test_metadata_falls_back_to_meta_tags_time_and_url() -> None:
    html = """<html><head><title>Floods recede - The Valley News</title>
    <meta name="author" content="By Maria Gonzalez"></head><body><article>
    <h1>Floods recede in the valley</h1><time datetime="2026-02-01T06:00:00Z">1 Feb</time>
    <p>Water levels in the valley fell overnight, allowing the first families to return to their homes.</p>
    <p>Engineers will inspect the embankments this week before the main road reopens to traffic.</p>
    </article></body></html>"""
    page = extract(html, "https://valley.example/2026/02/01/floods")
    assert page.title == "Floods recede in the valley"
    assert page.authors == ["Maria Gonzalez"]
    assert page.published is not None and page.published.isoformat() == "2026-02-01T06:00:00"
    no_date = extract(
        html.replace('<time datetime="2026-02-01T06:00:00Z">1 Feb</time>', ""),
        "https://valley.example/2026/02/01/floods",
    )
    assert no_date.published is not None and no_date.published.date().isoformat() == "2026-02-01"


def test_live_blog_and_short_brief() -> None:
    brief = """<html><body><nav><a href="/">Home</a></nav><article><h1>Road closed</h1>
    <p>The coast road is closed after a landslide; drivers should use the inland route.</p></article></body></html>"""
    page = extract(brief)
    assert page.body == "The coast road is closed after a landslide; drivers should use the inland route."
    live = """<html><body><main><h1>Election night live</h1>
    <div class="live-post"><h3>22:05</h3><p>Polls have closed and counting has begun in all districts.</p></div>
    <div class="live-post"><h3>22:40</h3><p>The first result is in: turnout was the highest in twenty years.</p></div>
    <div class="live-post"><h3>23:10</h3><p>Both main candidates are expected to speak before midnight.</p></div>
    </main></body></html>"""
    body = extract(live).body
    assert "Polls have closed" in body and "speak before midnight" in body


def test_lists_inside_the_article_stay() -> None:
    html = """<html><body><article><h1>What changes in January</h1>
    <p>Several rules change at the start of the year, and these are the ones most people will notice soon.</p>
    <ul><li>Bottle deposits rise to 25 cents</li><li>Speed limits near schools drop to 30 km/h</li>
    <li>Library cards become free for pensioners</li></ul>
    <p>The government says further changes will follow in the spring after the consultation ends.</p>
    </article></body></html>"""
    body = extract(html).body
    assert "Bottle deposits rise to 25 cents" in body and "Library cards become free" in body


def test_non_english_page_and_declared_charset() -> None:
    text = """<html lang="ru"><head><meta charset="windows-1251"><title>Новости</title></head><body><article>
    <h1>Мост откроют весной</h1>
    <p>Новый мост через реку откроют для движения весной, сообщили в городской администрации.</p>
    <p>Строительство обошлось дешевле, чем планировалось, и завершится на два месяца раньше срока.</p>
    </article></body></html>"""
    page = extract(decode_html(text.encode("cp1251")))
    assert page.title == "Мост откроют весной"
    assert "Новый мост через реку" in page.body
    assert page.language == "ru"


def test_charset_from_http_header_and_bom() -> None:
    html = "<html><body><article><p>Café crème à la française, s'il vous plaît, déjà servi.</p></article></body></html>"
    assert "Café crème" in decode_html(html.encode("latin-1"), "text/html; charset=iso-8859-1")
    assert "Café crème" in decode_html(b"\xef\xbb\xbf" + html.encode("utf-8"))


def test_empty_and_garbage_input_do_not_raise() -> None:
    assert extract("").body == ""
    assert extract("<html><body></body></html>").body == ""
    extract("<<<>>> \x00 not html at all")


def page(body: str, head: str = "", lang: str = "en") -> str:
    return f'<!doctype html><html lang="{lang}"><head><title>Test page</title>{head}</head><body>{body}</body></html>'


STORY = [
    "The regional parliament approved the new water charter on Thursday after a debate lasting two days.",
    "The charter sets limits on how much farms may draw from the river during the summer months.",
    "Environmental groups called the vote a turning point, while farmers' unions asked for more time.",
    "The first limits take effect next June, and a review is planned after three years of operation.",
]


def test_photo_captions_and_credits_are_not_body() -> None:
    html = page(
        "<article><h1>Water charter approved</h1>"
        f"<p>{STORY[0]}</p><figure><img src='a.jpg'><figcaption>The river at low water in August. "
        "Photo: Jan Novak / Getty Images</figcaption></figure>"
        f"<p>{STORY[1]}</p><p>{STORY[2]}</p><div class='image-credit'>Credit: Regional Archive</div>"
        f"<p>{STORY[3]}</p></article>"
    )
    body = extract(html).body
    assert STORY[0] in body and STORY[3] in body
    assert "Getty Images" not in body and "Regional Archive" not in body


def test_comments_section_is_not_body() -> None:
    comments = "".join(
        f"<li class='comment'><p>Reader {i}: I think this charter is long overdue and very welcome indeed.</p></li>"
        for i in range(8)
    )
    html = page(
        "<main><article>" + "".join(f"<p>{s}</p>" for s in STORY) + "</article>"
        f"<section id='comments'><h3>8 comments</h3><ol>{comments}</ol></section></main>"
    )
    body = extract(html).body
    assert body.endswith(STORY[3]) and "Reader 3" not in body


def test_cookie_and_newsletter_banners_are_not_body() -> None:
    html = page(
        "<div id='cookie-banner' class='consent'><p>We and our 842 partners use cookies to personalise "
        "content and ads. By clicking accept you agree to this.</p><button>Accept</button></div>"
        "<article>"
        + "".join(f"<p>{s}</p>" for s in STORY[:2])
        + "<div class='newsletter-signup'><p>Get our morning briefing: the day's top stories in your inbox "
        "before breakfast.</p><form><input type='email'><button>Sign up</button></form></div>"
        + "".join(f"<p>{s}</p>" for s in STORY[2:])
        + "</article>"
    )
    body = extract(html).body
    assert all(s in body for s in STORY)
    assert "cookies" not in body and "morning briefing" not in body and "Sign up" not in body


def test_paywall_teaser_keeps_the_visible_text_only() -> None:
    html = page(
        "<article><h1>Water charter approved</h1>"
        + "".join(f"<p>{s}</p>" for s in STORY[:2])
        + "<div class='paywall'><h3>Subscribe to continue reading</h3><p>Get unlimited access to our "
        "journalism for just 1 euro a week. Cancel anytime.</p><a href='/subscribe'>Subscribe now</a></div>"
        "</article>"
    )
    body = extract(html).body
    assert STORY[0] in body and STORY[1] in body
    assert "unlimited access" not in body and "Subscribe" not in body


def test_amp_page() -> None:
    html = (
        "<!doctype html><html amp lang='en'><head><meta charset='utf-8'><title>Charter | Paper</title>"
        "<link rel='canonical' href='https://paper.example/2026/03/charter'></head><body>"
        "<amp-sidebar id='menu' layout='nodisplay'><ul><li><a href='/'>Home</a></li><li><a href='/news'>News"
        "</a></li></ul></amp-sidebar><header><a href='/'>Paper</a></header><article><h1>Water charter</h1>"
        f"<p>{STORY[0]}</p><amp-img src='a.jpg' width='600' height='400'></amp-img>"
        f"<amp-ad type='doubleclick' data-slot='/1/news'><div fallback>Advertisement loading</div></amp-ad>"
        + "".join(f"<p>{s}</p>" for s in STORY[1:])
        + "</article></body></html>"
    )
    page_ = extract(html, "https://paper.example/amp/2026/03/charter")
    assert all(s in page_.body for s in STORY)
    assert "Advertisement" not in page_.body and "Home" not in page_.body
    assert page_.canonical_url == "https://paper.example/2026/03/charter"


def test_spanish_and_german_pages() -> None:
    spanish = [
        "El parlamento regional aprobó el jueves la nueva carta del agua tras un debate de dos días.",
        "La carta fija límites a lo que las explotaciones agrícolas pueden extraer del río en verano.",
    ]
    html = page(
        "<nav><a href='/'>Portada</a></nav><article>"
        + "".join(f"<p>{s}</p>" for s in spanish)
        + "</article><aside><h3>Lo más leído</h3><ol><li><a href='/x'>Otra noticia del día de hoy</a>"
        "</li></ol></aside>",
        lang="es",
    )
    page_ = extract(html)
    assert page_.body == "\n\n".join(spanish) and page_.language == "es"
    german = [
        "Der Landtag hat am Donnerstag nach zweitägiger Debatte die neue Wassercharta beschlossen.",
        "Die Charta begrenzt, wie viel Wasser Betriebe im Sommer aus dem Fluss entnehmen dürfen.",
    ]
    assert extract(page("<article>" + "".join(f"<p>{s}</p>" for s in german) + "</article>", "de")).body == (
        "\n\n".join(german)
    )


def test_undeclared_east_asian_encodings_are_detected() -> None:
    japanese = (
        "市議会は月曜日、深夜バス路線を東部郊外まで延長することを決めた。新路線は三月に運行を始める予定だ。"
    )
    chinese = "市议会周一投票决定将夜间公交网络延伸至东部郊区。新线路将于三月开通，午夜后每三十分钟一班。"
    for text, encoding in ((japanese, "shift_jis"), (chinese, "gb2312")):
        html = f"<html><body><article><p>{text}</p></article></body></html>".encode(encoding)
        assert extract(decode_html(html)).body == text
    cyrillic = "Новый мост через реку откроют для движения весной, сообщили в городской администрации."
    assert cyrillic in decode_html(f"<html><body><p>{cyrillic}</p></body></html>".encode("cp1251"))


def test_a_table_keeps_its_cells_apart() -> None:
    html = page(
        "<article>"
        + "".join(f"<p>{s}</p>" for s in STORY)
        + "<table><tr><th>Month</th><th>Limit</th></tr><tr><td>June</td><td>40%</td></tr></table></article>"
    )
    body = extract(html).body
    assert "June | 40%" in body and "Month | Limit" in body


def test_a_date_written_in_a_dateline_is_the_last_resort() -> None:
    html = page(
        "<article><h1>Water charter approved</h1><div class='post-date'>Posted on March 4, 2026</div>"
        + "".join(f"<p>{s}</p>" for s in STORY)
        + "</article>"
    )
    published = extract(html).published
    assert published is not None and published.date().isoformat() == "2026-03-04"
