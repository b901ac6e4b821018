"""``python -m govlens.demo``: serve the demo sites and print the crawl map (see govlens.demo.server)."""

from govlens.demo.server import main

main()
