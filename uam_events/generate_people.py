"""Generated people: SCIM users with departments, cost centres, managers and workspaces, and
the HR attributes (`region`, `segment`, `level`, `qualified`) the identity topic carries.

Invariant: a person's fields are only ever changed together with the line that states the
change, so `Person.attributes()` is what the product sees after the lines written so far.
"""

from __future__ import annotations

import random
from typing import Any

from uam_events.generate_hierarchy import ascii_fold
from uam_events.generate_model import Enterprise, JsonDict, Person, SpokeSpec, Tree

CORE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# (name, weight, cost-centre base, division, titles)
DEPARTMENTS = (
    ("Sales", 22, 4100, "Commercial",
     ("Account Executive", "Key Account Manager", "Sales Manager", "Sales Director")),
    ("Supply Chain", 14, 5100, "Operations",
     ("Demand Planner", "Supply Planner", "Logistics Manager", "Head of Supply Chain")),
    ("Finance", 11, 2100, "Corporate",
     ("Financial Analyst", "Accountant", "Controller", "Finance Director")),
    ("Operations", 10, 5500, "Operations",
     ("Plant Engineer", "Shift Lead", "Operations Manager", "VP Operations")),
    ("Marketing", 9, 4500, "Commercial",
     ("Marketing Specialist", "Brand Manager", "Product Marketing Manager", "CMO Office Lead")),
    ("R&D", 9, 6100, "Product",
     ("Engineer", "Senior Engineer", "Product Manager", "Director of Engineering")),
    ("IT", 8, 2700, "Corporate",
     ("Systems Analyst", "Solutions Architect", "IT Manager", "CIO Office Lead")),
    ("Customer Service", 7, 4700, "Commercial",
     ("Service Agent", "Service Specialist", "Service Manager", "Head of Service")),
    ("HR", 5, 2500, "Corporate",
     ("HR Generalist", "Recruiter", "HR Business Partner", "HR Director")),
    ("Procurement", 3, 5300, "Operations",
     ("Buyer", "Category Manager", "Procurement Manager", "CPO Office Lead")),
    ("Legal", 2, 2900, "Corporate", ("Paralegal", "Counsel", "Senior Counsel", "General Counsel")),
)  # fmt: skip
DEPARTMENT = {d[0]: d for d in DEPARTMENTS}
SEGMENTED = ("Sales", "Supply Chain", "Operations", "Marketing", "R&D", "Customer Service")
GIVEN = (
    "Anna", "Ben", "Chloé", "Dev", "Elena", "Farid", "Grace", "Hiroshi", "Ines", "Jonas", "Kwame",
    "Lena", "Mateo", "Nadia", "Oliver", "Priya", "Quentin", "Rosa", "Søren", "Tomás", "Uma",
    "Viktor", "Wei", "Ximena", "Yusuf", "Zoë", "Aarav", "Björn", "Camille", "Diego", "Emma",
    "Fatima", "Giulia", "Hannah", "Ivan", "José", "Kenji", "Łukasz", "Maya", "Noah", "Olumide",
    "Paula", "Rahul", "Sofia", "Thabo", "Valentina", "William", "Yuki", "Zainab", "Mei",
)  # fmt: skip
FAMILY = (
    "Berg", "Cole", "Dumas", "Patel", "Müller", "García", "Nguyễn", "Østergaard", "Kowalski",
    "O'Brien", "Sato", "Dubois", "Rossi", "Silva", "Smith", "Johnson", "Kim", "Chen", "Singh",
    "Okafor", "Novák", "Jansen", "Andersson", "Fernández", "Yılmaz", "Lefèvre", "Schmidt",
    "Tanaka", "Kumar", "Mensah", "Ivanova", "Costa", "Brown", "Wilson", "Nakamura", "Haddad",
    "Larsen", "Moreau", "Romano", "Zhang", "Ali", "Hughes", "Fischer", "Lopez", "Murphy",
)  # fmt: skip
LEVEL_WEIGHTS = (8, 14, 18, 18, 14, 11, 8, 5, 4)  # job grades 1..9


class People:
    """Makes people one at a time, with unique e-mail names and realistic managers."""

    def __init__(self, ent: Enterprise, rng: random.Random) -> None:
        self.ent = ent
        self.rng = rng
        self.used_names: dict[str, int] = {}
        self.managers: dict[str, list[str]] = {}
        geo = ent.trees["Geography"]
        self.countries = list(geo.levels[2]) if geo.depth >= 3 else list(geo.levels[-1])
        self.country_weights = [len(geo.children[c]) + 1 for c in self.countries]
        self.dept_weights = [d[1] for d in DEPARTMENTS]

    def make(self, user_id: str) -> Person:
        """Return a new person with SCIM fields, workspaces and HR attributes chosen."""
        rng = self.rng
        dept = rng.choices(DEPARTMENTS, weights=self.dept_weights)[0]
        country = rng.choices(self.countries, weights=self.country_weights)[0]
        grade = rng.choices(range(1, 10), weights=LEVEL_WEIGHTS)[0]
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        bosses = self.managers.setdefault(dept[0], [])
        person = Person(
            id=user_id,
            user_name=self._user_name(given, family),
            given=given,
            family=family,
            department=dept[0],
            cost_center=self.cost_center(dept[0], country),
            division=dept[3],
            title=dept[4][min(3, (grade - 1) // 2)],
            manager=rng.choice(bosses) if bosses else None,
            country=country,
            workspaces=self._workspaces(dept[0]),
        )
        if grade >= 6 or not bosses:
            bosses.append(user_id)
        if rng.random() < 0.08:
            person.user_type = "Contractor"
        else:
            person.hr = self.hr_attributes(person, grade)
        return person

    def cost_center(self, department: str, country: str) -> str:
        """Return a cost centre of a department in a country's region (a few per pair)."""
        geo = self.ent.trees["Geography"]
        region = geo.parent.get(country) or country
        regions = list(geo.levels[1]) if geo.depth >= 2 else []
        base = DEPARTMENT[department][2] + 10 * (regions.index(region) if region in regions else 0)
        return str(base + self.rng.randrange(1 + DEPARTMENT[department][1] // 5))

    def hr_attributes(self, person: Person, grade: int) -> JsonDict:
        """Return HR's attributes: a country, region or list of countries, segment, level."""
        rng = self.rng
        attrs: JsonDict = {"region": self.region_value(person.country)}
        products = self.ent.trees["Products"]
        codes = families(products)
        if rng.random() < (0.8 if person.department in SEGMENTED else 0.1):
            segment, other = rng.choice(codes), rng.choice(codes)
            attrs["segment"] = (
                [segment, other] if rng.random() < 0.1 and other != segment else segment
            )
        attrs["level"] = grade
        return attrs

    def region_value(self, country: str) -> Any:
        """Return `region` as HR states it: mostly a country, sometimes a region or a list."""
        roll = self.rng.random()
        geo = self.ent.trees["Geography"]
        if roll < 0.15 and geo.parent.get(country):
            return geo.parent[country]
        if roll < 0.25:
            siblings = geo.children.get(geo.parent.get(country) or "", [])
            others = self.rng.sample(siblings, min(2, len(siblings)))
            return list(dict.fromkeys([country, *others]))
        return country

    def _user_name(self, given: str, family: str) -> str:
        """Return a unique e-mail user name, numbered from the second namesake on."""
        base = f"{ascii_fold(given)}.{ascii_fold(family)}".lower()
        seen = self.used_names.get(base, 0) + 1
        self.used_names[base] = seen
        return f"{base}@example.com" if seen == 1 else f"{base}{seen}@example.com"

    def _workspaces(self, department: str) -> list[str]:
        """Return spoke ids: mostly one or two, home spokes of the department first."""
        rng, spokes = self.rng, self.ent.spokes
        home = [s for s in spokes if department in s.departments]
        if rng.random() < (0.07 if home else 0.4):
            return []
        chosen = [rng.choice(home or spokes)]
        extra = rng.random()
        for _ in range(2 if extra < 0.03 else 1 if extra < 0.33 else 0):
            other = rng.choice(spokes)
            if other not in chosen:
                chosen.append(other)
        return [s.id for s in chosen]


def scim_resource(person: Person, spokes: list[SpokeSpec]) -> JsonDict:
    """Return the SCIM User a create carries, shaped like the reference events."""
    extension: JsonDict = {
        "employeeNumber": person.id.removeprefix("u-"),
        "department": person.department,
        "costCenter": person.cost_center,
        "division": person.division,
    }
    if person.manager:
        extension["manager"] = {"value": person.manager}
    workspaces = {s.id: s.workspace_id for s in spokes}
    return {
        "schemas": [CORE_SCHEMA, ENTERPRISE],
        "id": person.id,
        "userName": person.user_name,
        "name": {"givenName": person.given, "familyName": person.family},
        "displayName": f"{person.given} {person.family}",
        "title": person.title,
        "userType": person.user_type,
        "active": person.active,
        "emails": [{"value": person.user_name, "type": "work", "primary": True}],
        ENTERPRISE: extension,
        "entitlements": [{"value": workspaces[s], "type": "WORKSPACE"} for s in person.workspaces],
    }


def create_value(person: Person, spokes: list[SpokeSpec]) -> JsonDict:
    """Return a plain SCIM create of a person."""
    return {"op": "create", "id": person.id, "resource": scim_resource(person, spokes)}


def integration_user(spokes: list[SpokeSpec], email: str) -> Person:
    """Return the integration user: a service account that is a member of every workspace."""
    return Person(
        id="u-integration",
        user_name=email,
        given="Anaplan",
        family="Integration",
        department="IT",
        cost_center="2700",
        division="Corporate",
        title="Service Account",
        manager=None,
        country="",
        workspaces=[s.id for s in spokes],
        user_type="Service",
    )


def identity_value(person: Person, at: str, replace: bool = False) -> JsonDict:
    """Return an identity-attributes value stating a person's whole HR layer."""
    return {
        "user_id": person.id,
        "attributes": dict(person.hr),
        "replace": replace,
        "at": at,
        "source": "hr",
    }


def families(tree: Tree) -> list[str]:
    """Return the product family codes (the second level), or the root for a flat list."""
    return list(tree.levels[1]) if tree.depth >= 2 else [next(iter(tree.levels[0]))]
