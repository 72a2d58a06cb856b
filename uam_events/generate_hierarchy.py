"""Generated hub lists: a Products tree of exact size and depth, and a Geography tree.

Invariant: items are created level by level, so every upsert names a parent written earlier,
and each level below the root holds at least one item, so the tree reaches its full depth.
"""

from __future__ import annotations

import random
import unicodedata

from uam_events.generate_model import Tree

FAMILIES = (
    ("HW", "Hardware"), ("SW", "Software"), ("SVC", "Services"), ("NET", "Networking"),
    ("STO", "Storage"), ("CLD", "Cloud"), ("SEC", "Security"), ("ACC", "Accessories"),
    ("CON", "Consumables"), ("IND", "Industrial"), ("MED", "Medical"), ("ENE", "Energy"),
    ("AUT", "Automotive"), ("HOM", "Home & Living"), ("FNB", "Food & Beverage"),
    ("SPO", "Sports & Outdoor"),
)  # fmt: skip
NOUNS = (
    "Laptops", "Desktops", "Servers", "Phones", "Tablets", "Monitors", "Printers", "Routers",
    "Switches", "Sensors", "Batteries", "Cables", "Licences", "Subscriptions", "Support",
    "Consulting", "Training", "Kits", "Pumps", "Valves", "Drives", "Controllers", "Lighting",
    "Furniture", "Appliances", "Cookware", "Beverages", "Snacks", "Footwear", "Apparel",
)  # fmt: skip
ADJECTIVES = (
    "Pro", "Lite", "Max", "Eco", "Nova", "Prime", "Core", "Edge", "Flex", "Ultra", "Élan",
    "Nordlys", "Zenit", "Atlas", "Orion", "Vega",
)  # fmt: skip
REGIONS = (("EMEA", "Europe, Middle East & Africa"), ("AMER", "North America"),
           ("APAC", "Asia Pacific"), ("LATAM", "Latin America"))  # fmt: skip
# (code, name, region, weight, cities): weights set the share of sites and of employees.
COUNTRIES = (
    ("US", "United States", "AMER", 20, "New York,San Francisco,Chicago,Austin,Boston,Seattle"),
    ("DE", "Germany", "EMEA", 8, "Berlin,München,Hamburg,Frankfurt,Düsseldorf,Köln"),
    ("GB", "United Kingdom", "EMEA", 8, "London,Manchester,Edinburgh,Birmingham"),
    ("FR", "France", "EMEA", 6, "Paris,Lyon,Marseille,Toulouse"),
    ("JP", "Japan", "APAC", 5, "Tokyo,Osaka,Nagoya"),
    ("IN", "India", "APAC", 5, "Bengaluru,Mumbai,Pune,Hyderabad"),
    ("CA", "Canada", "AMER", 4, "Toronto,Montréal,Vancouver,Calgary"),
    ("BR", "Brazil", "LATAM", 4, "São Paulo,Rio de Janeiro,Curitiba"),
    ("CN", "China", "APAC", 4, "Shanghai,Beijing,Shenzhen"),
    ("IT", "Italy", "EMEA", 4, "Milano,Roma,Torino"),
    ("ES", "Spain", "EMEA", 4, "Madrid,Barcelona,Sevilla"),
    ("MX", "Mexico", "LATAM", 3, "Ciudad de México,Monterrey,Guadalajara"),
    ("AU", "Australia", "APAC", 3, "Sydney,Melbourne,Brisbane"),
    ("NL", "Netherlands", "EMEA", 3, "Amsterdam,Rotterdam,Eindhoven"),
    ("SE", "Sweden", "EMEA", 2, "Stockholm,Göteborg,Malmö"),
    ("PL", "Poland", "EMEA", 2, "Warszawa,Kraków,Wrocław"),
    ("CH", "Switzerland", "EMEA", 2, "Zürich,Genève,Basel"),
    ("SG", "Singapore", "APAC", 2, "Singapore"),
    ("KR", "South Korea", "APAC", 2, "Seoul,Busan"),
    ("AR", "Argentina", "LATAM", 1, "Buenos Aires,Córdoba"),
    ("CO", "Colombia", "LATAM", 1, "Bogotá,Medellín"),
    ("CL", "Chile", "LATAM", 1, "Santiago"),
    ("IE", "Ireland", "EMEA", 1, "Dublin,Cork"),
    ("AE", "United Arab Emirates", "EMEA", 1, "Dubai,Abu Dhabi"),
    ("ZA", "South Africa", "EMEA", 1, "Johannesburg,Cape Town"),
    ("BE", "Belgium", "EMEA", 1, "Bruxelles,Antwerpen"),
    ("DK", "Denmark", "EMEA", 1, "København,Aarhus"),
    ("NO", "Norway", "EMEA", 1, "Oslo,Bergen"),
    ("FI", "Finland", "EMEA", 1, "Helsinki"),
    ("AT", "Austria", "EMEA", 1, "Wien,Graz"),
    ("PT", "Portugal", "EMEA", 1, "Lisboa,Porto"),
    ("TR", "Türkiye", "EMEA", 1, "İstanbul,Ankara"),
    ("NZ", "New Zealand", "APAC", 1, "Auckland,Wellington"),
    ("HK", "Hong Kong", "APAC", 1, "Hong Kong"),
    ("TW", "Taiwan", "APAC", 1, "Taipei,Hsinchu"),
    ("MY", "Malaysia", "APAC", 1, "Kuala Lumpur,Penang"),
    ("TH", "Thailand", "APAC", 1, "Bangkok"),
    ("VN", "Vietnam", "APAC", 1, "Hà Nội,Hồ Chí Minh"),
    ("PE", "Peru", "LATAM", 1, "Lima"),
)  # fmt: skip
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# User-assigned ISO 3166 ranges (XA-XZ, QM-QZ), then three-letter codes: never a real country.
SYNTHETIC = tuple(
    [f"X{a}" for a in _LETTERS]
    + [f"Q{a}" for a in _LETTERS[12:]]
    + [f"X{a}{b}" for a in _LETTERS for b in _LETTERS]
)
_COUNTRY_CODES = len(COUNTRIES) + len(SYNTHETIC)


def ascii_fold(text: str) -> str:
    """Return text without accents and without non-letters, for codes and e-mail names."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded if c.isalnum())


def level_counts(total: int, depth: int) -> list[int]:
    """Return items per level (root first) summing to `total`, growing geometrically.

    The depth is clamped to 2..total (one root cannot hold more items), 1 for a lone root.
    """
    if total <= 1:
        return [1]
    depth = max(2, min(depth, total))
    low, high = 1.0, float(total)
    for _ in range(60):
        ratio = (low + high) / 2
        low, high = (ratio, high) if sum(ratio**k for k in range(depth)) < total else (low, ratio)
    counts = [max(1, round(low**k)) for k in range(depth - 1)]
    counts.append(total - sum(counts))
    while counts[-1] < 1:
        widest = max(range(1, depth - 1), key=lambda k: counts[k])
        counts[widest] -= 1
        counts[-1] += 1
    return counts


def build_products(total: int, depth: int, rng: random.Random) -> Tree:
    """Return TOTAL → family → category → line → … → product with exactly `total` items."""
    tree = Tree("Products")
    tree.add("TOTAL", None, "All Products")
    counts = level_counts(max(1, total), depth)
    parents = ["TOTAL"]
    for level, count in enumerate(counts[1:], start=2):
        last = level == len(counts)
        items = []
        for n, parent in enumerate(_assign_parents(parents, count, rng), start=1):
            code, name = _product_item(tree, rng, level=level, last=last, n=n, parent=parent)
            tree.add(code, parent, name)
            items.append(code)
        parents = items
    return tree


def _product_item(
    tree: Tree, rng: random.Random, *, level: int, last: bool, n: int, parent: str
) -> tuple[str, str]:
    """Return the code and name of the n-th item of a level of Products."""
    noun, adjective = rng.choice(NOUNS), rng.choice(ADJECTIVES)
    if last:
        return f"P-{n:06d}", f"{adjective} {noun} {rng.randint(10, 990)}"
    if level == 2:
        if n <= len(FAMILIES):
            return FAMILIES[n - 1]
        return f"F{n:02d}", f"Family {n}"
    if level == 3:
        siblings = len(tree.children[parent]) + 1
        return f"{parent}-{siblings:02d}", noun
    prefix = "LN" if level == 4 else f"L{level}"
    return f"{prefix}-{n:05d}", f"{adjective} {noun} Line"


def _assign_parents(parents: list[str], count: int, rng: random.Random) -> list[str]:
    """Return a parent per child: one each first, the rest skewed, grouped by parent."""
    chosen = list(parents[:count])
    if count > len(parents):
        weights = [rng.uniform(0.3, 3.0) for _ in parents]
        chosen += rng.choices(parents, weights=weights, k=count - len(parents))
    order = {parent: i for i, parent in enumerate(parents)}
    return sorted(chosen, key=order.__getitem__)


def build_geography(total: int, rng: random.Random) -> Tree:
    """Return WORLD → regions → countries → sites with exactly `total` items (at least 2)."""
    tree = Tree("Geography")
    tree.add("WORLD", None, "World")
    n_regions, n_countries, sites = geography_counts(total)
    regions = REGIONS[:n_regions]
    for code, name in regions:
        tree.add(code, "WORLD", name)
    countries = _pick_countries([r for r, _ in regions], n_countries)
    for code, name, region, _weight, _cities in countries:
        tree.add(code, region, name)
    weights = [c[3] for c in countries]
    per_country = dict.fromkeys((c[0] for c in countries), 0)
    for code in rng.choices([c[0] for c in countries], weights=weights, k=sites) if sites else ():
        per_country[code] += 1
    for code, name, _region, _weight, cities in countries:
        _add_sites(tree, code, name, cities, per_country[code])
    return tree


def geography_counts(total: int) -> tuple[int, int, int]:
    """Return how many regions, countries and sites make `total` items with WORLD (min 2)."""
    total = max(2, total)
    regions = min(len(REGIONS), max(1, (total - 1) // 3))
    room = total - 1 - regions
    countries = min(max(min(room, regions), room // 8), _COUNTRY_CODES)
    return regions, countries, room - countries


def geography_depth(total: int) -> int:
    """Return the number of levels `build_geography(total)` makes, WORLD included."""
    _regions, countries, sites = geography_counts(total)
    return 4 if sites else 3 if countries else 2


def _pick_countries(regions: list[str], count: int) -> list[tuple[str, str, str, int, str]]:
    """Return `count` countries: the largest of each region first, then synthetic codes."""
    real = [c for c in COUNTRIES if c[2] in regions]
    firsts = [next(c for c in real if c[2] == region) for region in regions]
    ordered = firsts + [c for c in real if c not in firsts]
    n = 0
    while len(ordered) < count and n < len(SYNTHETIC):
        region = regions[n % len(regions)]
        ordered.append((SYNTHETIC[n], f"Territory {SYNTHETIC[n]}", region, 1, ""))
        n += 1
    return ordered[:count]


def _add_sites(tree: Tree, country: str, name: str, cities: str, count: int) -> None:
    """Add `count` sites under a country: its known cities first, then numbered districts."""
    known = [c for c in cities.split(",") if c]
    for n in range(1, count + 1):
        if n <= len(known):
            city = known[n - 1]
            code = f"{country}-{ascii_fold(city)[:3].upper()}"
            if code in tree.parent:
                code = f"{code}{n}"
            tree.add(code, country, city)
        else:
            tree.add(f"{country}-{n:03d}", country, f"{name} District {n}")
