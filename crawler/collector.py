"""How newsdesk's processes collect garbage: rarely, and never over what start-up made.

Python collects its youngest objects after 700 new ones. A crawl allocates steadily and keeps little, and
a command's imports alone made 250 collections (0.15 s); measured with gc.callbacks over a crawl of 793
pages, the crawl process spent 1.2 s in collections and each extraction worker 0.9 s (each page's
BeautifulSoup tree is garbage in cycles), against 0.13 s and ~0.4 s after 50,000 new objects with
start-up's objects frozen (gc.freeze: they live as long as the process, so no collection, the last one at
exit included, needs to look at them again).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def collect_rarely() -> None:
    """Collections of the youngest objects after YOUNG_THRESHOLD new ones; the older generations' as
    they were."""
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
