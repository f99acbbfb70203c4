"""What a suggestion must respect: the user's diet, allergies, dislikes and replaced facts.

A small model asked for "a dinner recipe" for a vegetarian may still write "chicken". Each current
memory that states a constraint becomes a list of words a draft may not use (a diet expands to the
foods it excludes); a replaced memory bans the words only it had ("Paris" after a move to Berlin).
A draft that uses one is redrawn or replaced before the user sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from memory import Memory
from memory.records import MemoryStatus

# Food and drink groups a diet, an allergy or an intolerance excludes (world knowledge, not a dataset).
MEAT = (
    "meat",
    "chicken",
    "beef",
    "pork",
    "bacon",
    "ham",
    "lamb",
    "steak",
    "sausage",
    "sausages",
    "turkey",
    "duck",
    "veal",
    "salami",
    "pepperoni",
    "prosciutto",
    "chorizo",
    "pancetta",
    "mince",
    "burger",
    "meatballs",
    "ribs",
    "venison",
    "goose",
    "gelatin",
)
FISH = (
    "fish",
    "salmon",
    "tuna",
    "cod",
    "trout",
    "sardine",
    "sardines",
    "anchovy",
    "anchovies",
    "mackerel",
    "haddock",
    "halibut",
    "sushi",
    "sashimi",
)
SHELLFISH = (
    "shellfish",
    "shrimp",
    "shrimps",
    "prawn",
    "prawns",
    "crab",
    "lobster",
    "mussels",
    "oysters",
    "clams",
    "scallops",
    "squid",
    "calamari",
    "seafood",
)
DAIRY = (
    "milk",
    "cheese",
    "butter",
    "cream",
    "yogurt",
    "yoghurt",
    "ice cream",
    "custard",
    "cheesecake",
    "parmesan",
    "mozzarella",
    "cheddar",
    "feta",
    "ricotta",
    "mascarpone",
    "ghee",
    "whey",
    "milkshake",
    "halloumi",
    "paneer",
    "brie",
    "camembert",
    "gouda",
    "latte",
)
EGGS = ("egg", "eggs", "omelette", "omelet", "mayonnaise", "meringue", "scrambled eggs")
HONEY = ("honey",)
NUTS = (
    "nut",
    "nuts",
    "peanut",
    "peanuts",
    "peanut butter",
    "almond",
    "almonds",
    "cashew",
    "cashews",
    "walnut",
    "walnuts",
    "pecan",
    "pecans",
    "hazelnut",
    "hazelnuts",
    "pistachio",
    "pistachios",
    "macadamia",
    "praline",
    "marzipan",
    "nutella",
    "satay",
    "pesto",
    "trail mix",
)
PEANUTS = ("peanut", "peanuts", "peanut butter", "satay")
GLUTEN = (
    "gluten",
    "wheat",
    "bread",
    "pasta",
    "flour",
    "barley",
    "rye",
    "couscous",
    "noodles",
    "pizza",
    "baguette",
    "croissant",
    "cake",
    "biscuits",
    "crackers",
    "beer",
    "seitan",
)
ALCOHOL = (
    "alcohol",
    "beer",
    "wine",
    "vodka",
    "whisky",
    "whiskey",
    "gin",
    "rum",
    "tequila",
    "cocktail",
    "cocktails",
    "margarita",
    "mojito",
    "champagne",
    "prosecco",
    "cider",
    "sake",
    "brandy",
    "liqueur",
    "sangria",
    "spritz",
    "martini",
    "lager",
    "ale",
)
PORK = (
    "pork",
    "bacon",
    "ham",
    "sausage",
    "sausages",
    "salami",
    "pepperoni",
    "prosciutto",
    "chorizo",
    "pancetta",
    "ribs",
    "gelatin",
)
SUGARY = ("sweets", "candy", "sugary", "fizzy drinks", "soda", "cola", "doughnut", "chocolate bar", "syrup")
FLYING = ("flying", "fly", "flight", "flights", "plane", "planes", "airport", "airline")
GROUPS: dict[str, tuple[str, ...]] = {
    "meat": MEAT,
    "red meat": ("beef", "lamb", "steak", "veal", "venison", "burger", "pork"),
    "fish": FISH,
    "seafood": FISH + SHELLFISH,
    "shellfish": SHELLFISH,
    "dairy": DAIRY,
    "lactose": DAIRY,
    "milk": DAIRY,
    "cheese": ("cheese",),
    "eggs": EGGS,
    "egg": EGGS,
    "nuts": NUTS,
    "nut": NUTS,
    "tree nuts": NUTS,
    "peanuts": PEANUTS,
    "peanut": PEANUTS,
    "gluten": GLUTEN,
    "wheat": GLUTEN,
    "alcohol": ALCOHOL,
    "booze": ALCOHOL,
    "drinking": ALCOHOL,
    "pork": PORK,
    "animal products": MEAT + FISH + SHELLFISH + DAIRY + EGGS + HONEY,
    "flying": FLYING,
    "flights": FLYING,
    "planes": FLYING,
}
DIETS: dict[str, tuple[str, ...]] = {
    "vegan": MEAT + FISH + SHELLFISH + DAIRY + EGGS + HONEY,
    "vegetarian": MEAT + FISH + SHELLFISH,
    "veggie": MEAT + FISH + SHELLFISH,
    "pescatarian": MEAT,
    "pescetarian": MEAT,
    "halal": PORK + ALCOHOL,
    "kosher": PORK + SHELLFISH,
    "teetotal": ALCOHOL,
    "teetotaler": ALCOHOL,
    "sober": ALCOHOL,
    "coeliac": GLUTEN,
    "celiac": GLUTEN,
    "gluten-free": GLUTEN,
    "dairy-free": DAIRY,
    "diabetic": SUGARY,
    "diabetes": SUGARY,
}
_DIET = re.compile(r"\b(" + "|".join(re.escape(d) for d in DIETS) + r")\b", re.IGNORECASE)
_NEGATED_DIET = re.compile(r"\b(not|no longer|never|n't|stopped being|quit being)\b[^.]*\b(vegan|vegetarian)\b", re.I)
_EXCLUSION = re.compile(
    r"\b(?:allergic to|allergy to|intolerant to|can't eat|cannot eat|can't have|don't eat|do not eat|never eat|"
    r"no longer eat|stopped eating|gave up|avoid|avoiding|don't drink|do not drink|never drink|stopped drinking|"
    r"hate|hates|dislike|dislikes|can't stand|cannot stand|don't like|do not like|not a fan of|not into|"
    r"don't want|no more|afraid of|scared of|terrified of|frightened of)\s+"
    r"(?P<what>[a-z][a-z' -]{1,40}?)(?=[,.;!?]|\s+(?:and|but|so|because|any|at all|anymore|"
    r"any more|either|too|though|since|as|which|even|they|it)\b|$)",
    re.IGNORECASE,
)
# Words after a verb that say when, not what: "I stopped drinking last year" names no drink.
_NOT_AN_OBJECT = r"(?:any ?more|at all|last \w+|(?:a|\w+) (?:years?|months?|weeks?) ago|a while ago|recently|since \w+)"
# "I don't drink." / "I stopped drinking last year" with no drink named: alcohol is meant.
_NO_DRINKING = re.compile(
    rf"\b(?:don't|do not|never|no longer|stopped|quit|gave up)\s+drink(?:ing)?\b\s*"
    rf"(?:{_NOT_AN_OBJECT}\s*)?(?:[.,;!?]|$)",
    re.IGNORECASE,
)
_ALLERGY_SUFFIX = re.compile(r"\b(?P<what>[a-z]+)\s+(?:allergy|intolerance|intolerant|allergic)\b", re.IGNORECASE)
_STALE_GENERIC = frozenset(
    [
        "i",
        "i'm",
        "my",
        "me",
        "you",
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "but",
        "with",
        "is",
        "am",
        "are",
        "was",
        "were",
        "be",
        "been",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "live",
        "lives",
        "lived",
        "living",
        "work",
        "works",
        "worked",
        "working",
        "like",
        "likes",
        "love",
        "loves",
        "now",
        "just",
        "also",
        "really",
        "very",
        "so",
        "not",
        "no",
        "any",
        "more",
        "longer",
        "anymore",
        "last",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "get",
        "got",
        "go",
        "going",
        "went",
        "moved",
        "move",
        "new",
        "old",
        "used",
        "still",
        "one",
        "two",
        "three",
    ]
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+|\d+")


# Statements that shape any suggestion, whatever it is about: money, training, mobility, health, fears, children.
_NEEDS = re.compile(
    r"\b(budget|(?:money|cash)(?:'s| is| has been) (?:\w+ ){0,2}(?:tight|short)|tight on (money|cash)|"
    r"can't afford|cannot afford|broke\b|saving (up|money)|"
    r"(don't|do not) have (much|a lot of|any) money|not much money|short of money|skint|hard up|"
    r"cheap|frugal|training for|in training|wheelchair|disabled|disability|surgery|operation|"
    r"injur|bad (knee|back|hip)|crutches|blind|deaf|afraid of|scared of|anxious|phobia|hate|can't stand|"
    r"don't like|dislike|(my|our|have|with|got) ([\w'-]+ ){0,2}(kids?|children|sons?|daughters?|"
    r"toddlers?|baby|babies|boys|girls|twins)\b|diabet|"
    r"pregnant|allerg|intoleran|diet|(lose|losing|lost) weight|eat(ing)? (healthier|healthy)|cut(ting)? down on)",
    re.IGNORECASE,
)
_FOOD_REQUEST = re.compile(
    r"\b(cook|eat|eating|dinner|lunch|breakfast|brunch|meal|recipe|snack|dessert|restaurant|food|bake|baking|"
    r"drink|drinks|bar|pub|café|cafe|coffee|order|menu|party|picnic|potluck|buffet|barbecue|bbq|lunchbox|"
    r"treat|cake|takeaway|takeout|pudding|supper)\b",
    re.IGNORECASE,
)


def is_need(text: str) -> bool:
    """A statement that any suggestion should take into account (a diet, a budget, a wheelchair, children...)."""
    return bool(_NEEDS.search(text) or banned_words(text))


_FOOD_NEED = re.compile(
    r"\b(vegetarian|vegan|veggie|pescatarian|pescetarian|allerg|intoleran|eat|eating|drink|drinking|alcohol|gluten|"
    r"lactose|dairy|coeliac|celiac|halal|kosher|teetotal|sober|diet|diabet)",
    re.IGNORECASE,
)


def is_food_need(memory: Memory) -> bool:
    """A need about eating or drinking: it matters to a dinner idea, not to a weekend plan."""
    return _FOOD_NEED.search(memory.text) is not None


def is_food_request(request: str) -> bool:
    return _FOOD_REQUEST.search(request) is not None


@dataclass(frozen=True)
class Constraint:
    """Words a suggestion must not use, and the memory that says why."""

    memory: Memory
    banned: tuple[str, ...]


def constraints_from(memories: Iterable[Memory]) -> list[Constraint]:
    """A constraint per current memory that states one (diet, allergy, dislike, something given up)."""
    found = []
    for memory in memories:
        if memory.status is not MemoryStatus.ACTIVE:
            continue
        banned = banned_words(memory.text)
        if banned:
            found.append(Constraint(memory=memory, banned=banned))
    return found


def banned_words(text: str) -> tuple[str, ...]:
    """The words a statement rules out: "I'm vegetarian" -> meat and fish; "I hate horror films" -> horror."""
    words: list[str] = []
    if not _NEGATED_DIET.search(text):
        for diet in _DIET.findall(text):
            words += DIETS[diet.lower()]
    for match in [*_EXCLUSION.finditer(text), *_ALLERGY_SUFFIX.finditer(text)]:
        what = re.sub(rf"\s*\b{_NOT_AN_OBJECT}$", "", match["what"].strip().lower())
        what = re.sub(r"^(eating|drinking|any|all|the|to|of)\s+", "", what)
        if what in ("", "it", "that", "them", "this", "you", "when", "how", "being", "anything", "everything"):
            continue
        words += GROUPS.get(what, ()) or _object_words(what)
    if _NO_DRINKING.search(text):
        words += ALCOHOL
    return tuple(dict.fromkeys(w for w in words if w))


def stale_words(replaced: Sequence[Memory], current: Sequence[Memory]) -> tuple[str, ...]:
    """Words only replaced memories have: a reply that uses them brings back an old fact."""
    still_true = {w.lower() for memory in current for w in _WORD.findall(memory.text)}
    words = []
    for memory in replaced:
        for word in _WORD.findall(memory.text):
            lower = word.lower()
            if lower not in _STALE_GENERIC and lower not in still_true and len(lower) > 2:
                words.append(word)
    return tuple(dict.fromkeys(words))


# A food right after one of these is the safe kind or left out: "dairy-free cheese", "oat milk", "no eggs or butter".
# Drinks get no such excuse: to someone who doesn't drink, "alcohol-free beer" still reads as beer.
_SAFE_KIND = re.compile(
    r"(?:\b(?:dairy|gluten|nut|egg|meat|wheat|lactose)-free|\bvegan|\bplant-based|\boat|\bsoy|\bsoya|\bcoconut|"
    r"\bmeatless|\bveggie|\b(?:no|without|instead of|skip|skip the|hold the)(?:\s+[a-z]+,?\s+(?:or|and|nor))?)\s+$"
)


def violations(draft: str, banned: Iterable[str]) -> list[str]:
    """The banned words a draft uses (whole words or their plurals, any case), unless said of the safe kind."""
    lower = draft.lower()
    found = []
    for word in banned:
        pattern = rf"(?<![a-z-]){re.escape(word.lower())}{_plural(word)}(?![a-z]|-free|\s+(?:allerg|intoleran))"
        if any(not _SAFE_KIND.search(lower[: match.start()]) for match in re.finditer(pattern, lower)):
            found.append(word)
    return found


def _plural(word: str) -> str:
    """The plural ending a word may take: "peanut" -> "peanuts", "tomato" -> "tomatoes", "cod" not "codes"."""
    return "(?:es)?" if re.search(r"(s|x|z|ch|sh|o)$", word.lower()) else "s?"


def _object_words(what: str) -> list[str]:
    """ "horror films" -> ["horror films", "horror"]; "spicy food" -> ["spicy food", "spicy"]."""
    words = [what]
    head = what.split()
    if len(head) > 1 and head[-1] in ("films", "movies", "food", "music", "shows", "books", "games", "dishes"):
        words.append(" ".join(head[:-1]))
    return words
