"""Word lists the claim parser (``memory.claims``) uses to tell what a statement is about.

Plain vocabulary, not examples: occupations, people, animals, things people own and the groups
food belongs to. Extending a list is how the parser learns a new word.
"""

from __future__ import annotations


def words(text: str) -> list[str]:
    """The words of a whitespace-separated list: long word lists read best as plain text."""
    return text.split()


OCCUPATIONS = frozenset(
    words("""accountant actor actress administrator analyst architect artist assistant astronaut attorney author baker
    banker barber barista bartender biologist bookkeeper builder butcher buyer carer caretaker carpenter cashier
    chef chemist cleaner clerk coach consultant cook counsellor counselor courier curator dancer designer dentist
    detective developer dietitian director doctor driver economist editor electrician engineer entrepreneur
    farmer firefighter fisherman freelancer gardener geologist hairdresser historian housekeeper illustrator
    instructor intern interpreter janitor jeweller journalist judge labourer laborer lawyer lecturer librarian
    lifeguard machinist manager mechanic midwife miner model musician nanny navigator nurse officer optician
    painter paralegal paramedic pharmacist photographer physician physicist physiotherapist pilot plumber
    poet policeman policewoman politician porter postman principal producer professor programmer psychiatrist
    psychologist publisher radiographer realtor receptionist recruiter reporter researcher retiree sailor
    salesman saleswoman salesperson scientist secretary singer soldier solicitor statistician student surgeon
    surveyor tailor teacher technician therapist translator trainer tutor typist veterinarian vet waiter
    waitress welder writer youtuber streamer influencer ceo cto cfo founder owner freelance supervisor
    pensioner undergraduate postdoc phd dj copywriter marketer paramedic nutritionist hygienist lorry
    """)
)

# People a statement can be about instead of the user, normalised to one name each.
PEOPLE = {
    "sister": "sister",
    "sis": "sister",
    "brother": "brother",
    "bro": "brother",
    "sibling": "sibling",
    "siblings": "sibling",
    "twin": "twin",
    "mum": "mother",
    "mom": "mother",
    "mother": "mother",
    "mommy": "mother",
    "mama": "mother",
    "dad": "father",
    "father": "father",
    "daddy": "father",
    "papa": "father",
    "parents": "parents",
    "son": "son",
    "daughter": "daughter",
    "kid": "kids",
    "kids": "kids",
    "child": "kids",
    "children": "kids",
    "baby": "baby",
    "boy": "son",
    "girl": "daughter",
    "cousin": "cousin",
    "aunt": "aunt",
    "auntie": "aunt",
    "uncle": "uncle",
    "niece": "niece",
    "nephew": "nephew",
    "grandma": "grandmother",
    "grandmother": "grandmother",
    "gran": "grandmother",
    "granny": "grandmother",
    "nan": "grandmother",
    "grandpa": "grandfather",
    "grandfather": "grandfather",
    "grandad": "grandfather",
    "granddad": "grandfather",
    "grandparents": "grandparents",
    "friend": "friend",
    "friends": "friend",
    "mate": "friend",
    "mates": "friend",
    "bestie": "friend",
    "neighbour": "neighbour",
    "neighbor": "neighbour",
    "neighbours": "neighbour",
    "neighbors": "neighbour",
    "boss": "boss",
    "manager": "boss",
    "colleague": "colleague",
    "coworker": "colleague",
    "co-worker": "colleague",
    "roommate": "roommate",
    "flatmate": "roommate",
    "housemate": "roommate",
    "stepmom": "stepmother",
    "stepmum": "stepmother",
    "stepdad": "stepfather",
    "in-laws": "in-laws",
    "ex": "ex",
    "family": "family",
    "landlord": "landlord",
    "teacher": "teacher",
    "doctor": "doctor",
}
PARTNERS = {
    "girlfriend": "dating",
    "boyfriend": "dating",
    "partner": "dating",
    "gf": "dating",
    "bf": "dating",
    "wife": "married",
    "husband": "married",
    "spouse": "married",
    "fiance": "engaged",
    "fiancee": "engaged",
    "fiancé": "engaged",
    "fiancée": "engaged",
}

PETS = {
    "dog": "dog",
    "dogs": "dog",
    "puppy": "dog",
    "puppies": "dog",
    "pup": "dog",
    "cat": "cat",
    "cats": "cat",
    "kitten": "cat",
    "kittens": "cat",
    "kitty": "cat",
    "goldfish": "fish",
    "fish": "fish",
    "hamster": "hamster",
    "hamsters": "hamster",
    "rabbit": "rabbit",
    "rabbits": "rabbit",
    "bunny": "rabbit",
    "parrot": "bird",
    "budgie": "bird",
    "bird": "bird",
    "birds": "bird",
    "canary": "bird",
    "guinea pig": "guinea pig",
    "guinea pigs": "guinea pig",
    "horse": "horse",
    "pony": "horse",
    "turtle": "turtle",
    "tortoise": "turtle",
    "snake": "snake",
    "lizard": "lizard",
    "gecko": "lizard",
    "iguana": "lizard",
    "ferret": "ferret",
    "chickens": "chicken",
    "hens": "chicken",
    "pig": "pig",
    "goat": "goat",
    "pet rat": "rat",
    "pet mouse": "mouse",
    "pets": "pet",
    "pet": "pet",
    "dachshund": "dog",
    "labrador": "dog",
    "poodle": "dog",
    "terrier": "dog",
    "retriever": "dog",
    "spaniel": "dog",
    "beagle": "dog",
    "collie": "dog",
    "pug": "dog",
    "husky": "dog",
}

# Things owned, one category each; a brand or model names its category.
THINGS = {
    "car": "car",
    "cars": "car",
    "van": "car",
    "truck": "car",
    "suv": "car",
    "hatchback": "car",
    "toyota": "car",
    "corolla": "car",
    "prius": "car",
    "honda": "car",
    "civic": "car",
    "ford": "car",
    "focus": "car",
    "fiesta": "car",
    "golf": "car",
    "polo": "car",
    "vw": "car",
    "volkswagen": "car",
    "tesla": "car",
    "bmw": "car",
    "audi": "car",
    "mercedes": "car",
    "mazda": "car",
    "nissan": "car",
    "kia": "car",
    "hyundai": "car",
    "volvo": "car",
    "fiat": "car",
    "peugeot": "car",
    "renault": "car",
    "skoda": "car",
    "subaru": "car",
    "jeep": "car",
    "chevrolet": "car",
    "chevy": "car",
    "porsche": "car",
    "mini": "car",
    "lexus": "car",
    "citroen": "car",
    "seat": "car",
    "jaguar": "car",
    "motorbike": "motorbike",
    "motorcycle": "motorbike",
    "scooter": "motorbike",
    "moped": "motorbike",
    "vespa": "motorbike",
    "harley": "motorbike",
    "ducati": "motorbike",
    "yamaha": "motorbike",
    "bike": "bike",
    "bicycle": "bike",
    "e-bike": "bike",
    "ebike": "bike",
    "trek": "bike",
    "phone": "phone",
    "smartphone": "phone",
    "iphone": "phone",
    "android": "phone",
    "pixel": "phone",
    "samsung": "phone",
    "galaxy": "phone",
    "nokia": "phone",
    "oneplus": "phone",
    "xiaomi": "phone",
    "huawei": "phone",
    "blackberry": "phone",
    "laptop": "computer",
    "computer": "computer",
    "pc": "computer",
    "macbook": "computer",
    "mac": "computer",
    "dell": "computer",
    "thinkpad": "computer",
    "lenovo": "computer",
    "chromebook": "computer",
    "desktop": "computer",
    "ipad": "tablet",
    "tablet": "tablet",
    "kindle": "tablet",
    "playstation": "console",
    "ps5": "console",
    "ps4": "console",
    "xbox": "console",
    "nintendo": "console",
    "house": "house",
    "home": "house",
    "flat": "house",
    "apartment": "house",
    "condo": "house",
    "cottage": "house",
    "bungalow": "house",
    "cabin": "house",
    "boat": "boat",
    "yacht": "boat",
    "canoe": "boat",
    "kayak": "boat",
    "piano": "piano",
    "keyboard": "piano",
    "guitar": "guitar",
    "violin": "violin",
    "drum": "drums",
    "drums": "drums",
    "watch": "watch",
    "camera": "camera",
    "tv": "tv",
    "television": "tv",
    "caravan": "caravan",
    "motorhome": "caravan",
    "campervan": "caravan",
}

DWELLINGS = frozenset(
    words(
        "flat apartment house studio condo bungalow cottage cabin dorm dormitory houseboat caravan townhouse loft "
        "penthouse bedsit room duplex villa farmhouse"
    )
)
PLACE_NOUNS = frozenset(
    words(
        "city town village countryside suburbs suburb coast seaside country abroad island mountains neighbourhood "
        "neighborhood area district downtown uptown state province capital region north south east west "
        "centre center outskirts"
    )
)

DIETS = {
    "vegetarian": ("meat", "fish"),
    "veggie": ("meat", "fish"),
    "vegan": ("meat", "fish", "dairy", "egg", "honey"),
    "plant-based": ("meat", "fish", "dairy", "egg"),
    "pescatarian": ("meat",),
    "pescetarian": ("meat",),
    "carnivore": (),
    "flexitarian": (),
    "keto": (),
    "paleo": (),
    "halal": ("pork",),
    "kosher": ("pork",),
    "gluten-free": ("gluten",),
    "dairy-free": ("dairy",),
    "sugar-free": ("sugar",),
    "low-carb": (),
    "atkins": (),
    "raw": (),
    "fruitarian": ("meat", "fish", "dairy"),
    "whole30": (),
    "teetotal": ("alcohol",),
    "sober": ("alcohol",),
}

# Diets on one axis exclude each other (vegetarian or vegan); different axes combine (vegan and gluten-free).
DIET_SLOT = {
    **{
        word: "diet"
        for word in words(
            "vegetarian veggie vegan plant-based pescatarian pescetarian carnivore flexitarian fruitarian"
        )
    },
    **{word: "diet-plan" for word in words("keto paleo low-carb atkins raw whole30")},
    **{word: "restriction" for word in words("halal kosher gluten-free dairy-free sugar-free teetotal sober")},
}

# A specific food or drink belongs to a group: "I eat beef" contradicts "I don't eat meat".
FOOD_GROUPS = {
    "meat": "beef pork chicken lamb steak bacon ham turkey sausage sausages veal duck mutton burgers burger "
    "venison salami pepperoni",
    "fish": "salmon tuna cod seafood shellfish shrimp prawns prawn sushi sardines mackerel trout oysters crab lobster",
    "dairy": "milk cheese yogurt yoghurt butter cream lactose",
    "egg": "eggs omelette",
    "alcohol": "wine beer spirits vodka whisky whiskey gin rum cocktails cocktail booze cider champagne prosecco "
    "drinking",
    "caffeine": "coffee espresso latte cappuccino",
    "sugar": "sweets candy soda chocolate desserts",
    "gluten": "bread wheat pasta",
}
FOOD_GROUP_OF = {word: group for group, words in FOOD_GROUPS.items() for word in words.split()}

# Heads that say what kind of thing a value is rather than which one ("rock music" is about "rock").
GENERIC_HEADS = frozenset(
    words(
        "music food foods movies movie films film books book shows show series games game songs song dishes dish "
        "cuisine stuff things thing kind type genre style sort"
    )
)


# Number words as statements count people and pets ("two kids", "a third cat", "our second child").
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "no": 0,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
}

# -- what a profile may say (``memory.grounding``, ``memory.profile_staleness``) ---------------------------

# Words a summary adds around what the user said: who it is about ("you", "the user"), auxiliaries and
# how much they like it ("enjoys", "loves"). They need no backing; the rest of a clause does.
PROFILE_FILLER = frozenset(
    words("""you your yours yourself user user's users person people they them their theirs she her hers he him
    his who whom whose which what that this these those has have having had does did doing done is are was were
    been being also currently like likes liked liking love loves loved loving enjoy enjoys enjoyed enjoying adore
    adores fan keen into""")
)
# Words that only say a clause is about a job: filler next to an occupation ("works as a nurse" says what
# "I'm a nurse" says), content anywhere else ("works nights").
JOB_WORDS = frozenset(words("work works worked working job profession occupation"))
# Words that say something is not, or no longer, so: a clause and the memory backing it must agree on them
# ("loves jazz" is not backed by "I don't like jazz", "a teacher" not by "I quit teaching").
NOT_SO = frozenset(
    words("""not never no nor neither none nothing nobody nowhere without quit quitted stopped former formerly ex
    used""")
)
# Words of aversion: content a clause must repeat, and negative like ``NOT_SO`` ("loves cats" is not backed
# by "I'm allergic to cats").
AVERSIONS = frozenset(
    words("""hate hates hated dislike dislikes disliked detest detests avoid avoids avoided allergic allergy
    allergies intolerant""")
)
# Words that say what kind of fact a clause states, not which: "lives", "works", "likes" stay true of the
# user when the place or job changes, so they never mark a clause as resting on a replaced memory.
GENERIC_FACT_WORDS = frozenset(
    words("""live lives living work works working job like likes love loves enjoy enjoys prefer prefers
    favourite favorite have has had own owns am are was were been being user person they them their she her
    he his who not now also just still moved move quit stopped started new old used really very eat eats drink
    drinks play plays go goes going use uses get got make makes said says want wants name named called""")
)
