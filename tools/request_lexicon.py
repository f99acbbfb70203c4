"""General English words people use when they ask for something to watch or read.

Nothing here names one catalog's labels. Genre *concepts* ("science fiction") list the words people
say for them; ``tools.request_vocabulary`` resolves each concept to the genres a catalog actually has
(by their names) and to its own tags, and drops what the catalog lacks. Moods and audiences refer to
genre concepts and to tag words, and are resolved the same way, so a books catalog with "Humor" and
"Children's" gets "light" and "for kids" from its own labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# concept -> words for it ("rom-com" names two concepts and is listed under both)
GENRE_WORDS: dict[str, tuple[str, ...]] = {
    "action": ("action", "action-packed", "action packed", "shoot em up", "shoot-em-up"),
    "adventure": ("adventure", "adventures", "adventurous", "swashbuckler", "swashbuckling", "quest"),
    "animation": ("animation", "animated", "cartoon", "cartoons", "anime", "animations"),
    "children": ("children", "children's", "childrens", "kids", "kid", "kids'", "family"),
    "comedy": ("comedy", "comedies", "comedic", "humor", "humour", "humorous", "rom-com", "romcom", "rom com"),
    "crime": ("crime", "crimes", "gangster", "gangsters", "mob", "mafia", "heist", "heists"),
    "documentary": ("documentary", "documentaries", "docs", "doc", "non-fiction", "nonfiction", "docu"),
    "drama": ("drama", "dramas", "dramatic"),
    "fantasy": ("fantasy", "fantasies", "fantastical", "sword and sorcery"),
    "film noir": ("film noir", "film-noir", "noir", "noirs", "films noirs"),
    "horror": ("horror", "horrors", "horror movie", "slasher", "slashers"),
    "musical": ("musical", "musicals", "song and dance"),
    "mystery": ("mystery", "mysteries", "whodunit", "whodunnit", "detective"),
    "romance": ("romance", "romances", "romantic", "love story", "love stories", "rom-com", "romcom", "rom com"),
    "science fiction": ("science fiction", "science-fiction", "sci-fi", "scifi", "sci fi", "sf"),
    "thriller": ("thriller", "thrillers"),
    "war": ("war", "wars", "wartime", "war movie", "war film"),
    "western": ("western", "westerns", "cowboy", "cowboys", "wild west"),
    "biography": ("biography", "biographies", "biopic", "biopics", "biographical"),
    "history": ("history", "historical", "period piece"),
    "sport": ("sport", "sports", "sporty"),
    "poetry": ("poetry", "poems", "poem"),
    "humor": ("humor", "humour", "humorous"),
}


@dataclass(frozen=True)
class Mood:
    """A tone people ask for; ``want`` and ``avoid`` are genre concepts, ``tags`` words a catalog tag may hold."""

    cues: tuple[str, ...]
    want: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    label: str = ""  # how a reason names it; the first cue by default


MOODS: dict[str, Mood] = {
    "light": Mood(
        cues=("light", "lighthearted", "light-hearted", "light hearted", "easy", "easygoing", "easy-going",
              "breezy", "cheerful", "fun", "silly", "relaxing", "chill", "cozy", "cosy", "comfort", "mindless",
              "undemanding", "happy"),
        want=("comedy", "animation", "children", "humor"),
        avoid=("horror", "war", "thriller", "crime"),
        tags=("funny", "feel-good", "feel good", "lighthearted", "light", "witty", "cute", "charming", "fun",
              "heartwarming", "quirky"),
    ),
    "funny": Mood(
        cues=("funny", "hilarious", "laugh", "laughs", "laughing", "humorous", "comic", "witty", "amusing"),
        want=("comedy", "humor"),
        tags=("funny", "hilarious", "witty", "comedy", "humor", "satire", "spoof", "parody", "quotable"),
    ),
    "uplifting": Mood(
        cues=("uplifting", "feel-good", "feel good", "feelgood", "heartwarming", "heart-warming", "inspiring",
              "inspirational", "hopeful", "wholesome", "sweet", "cheer me up", "cheer up", "optimistic", "joyful"),
        want=("comedy", "drama", "romance", "children", "animation", "musical", "documentary", "humor"),
        avoid=("horror", "war", "thriller", "crime"),
        tags=("feel-good", "feel good", "heartwarming", "inspirational", "inspiring", "uplifting", "touching",
              "sweet", "hope", "friendship"),
    ),
    "sad": Mood(
        cues=("sad", "tearjerker", "tear-jerker", "tear jerker", "cry", "crying", "weepy", "heartbreaking",
              "moving", "emotional", "melancholy", "melancholic", "tragic", "bittersweet", "poignant"),
        want=("drama", "romance"),  # a war film that is a comedy is no tearjerker; war dramas are dramas
        avoid=("horror", "action"),
        tags=("emotional", "sad", "tearjerker", "touching", "bittersweet", "poignant", "depressing", "tragedy",
              "heartbreaking", "moving", "melancholy"),
    ),
    "dark": Mood(
        cues=("dark", "gritty", "bleak", "grim", "disturbing", "brooding", "twisted", "edgy", "nihilistic"),
        want=("crime", "thriller", "drama", "horror", "war", "film noir", "mystery"),
        avoid=("children", "animation", "musical"),
        tags=("dark", "gritty", "disturbing", "bleak", "dark comedy", "black comedy", "dark humor", "violent",
              "noir", "brutal", "grim"),
    ),
    "scary": Mood(
        cues=("scary", "scare", "scares", "frightening", "creepy", "spooky", "terrifying", "chilling", "eerie",
              "haunting", "horrifying", "nightmare", "nightmares", "gory", "gore", "bloody"),
        want=("horror", "thriller"),
        avoid=("children", "animation"),
        tags=("scary", "creepy", "horror", "suspense", "tense", "ghosts", "zombies", "supernatural", "gore",
              "disturbing", "haunted", "vampire"),
    ),
    "mind-bending": Mood(
        cues=("mind-bending", "mind bending", "mindbending", "mind-blowing", "mind blowing", "mind-boggling",
              "trippy", "surreal", "cerebral", "twisty", "plot twist", "twist", "twists", "puzzle", "puzzling",
              "complex", "confusing", "psychological", "brainy"),
        want=("science fiction", "thriller", "mystery"),
        avoid=("children", "musical"),
        tags=("mindfuck", "twist ending", "twist", "surreal", "psychological", "cerebral", "thought-provoking",
              "dreamlike", "philosophical", "nonlinear", "complicated", "time travel", "hallucinatory",
              "mind-bending", "reality", "memory", "dream", "alternate reality", "trippy"),
        label="mind-bending",
    ),
    "thoughtful": Mood(
        cues=("thought-provoking", "thought provoking", "thoughtful", "intelligent", "smart", "deep",
              "philosophical", "meaningful", "profound", "clever", "serious"),
        want=("drama", "documentary", "science fiction", "mystery", "biography", "history"),
        avoid=("children",),
        tags=("thought-provoking", "intelligent", "philosophical", "philosophy", "social commentary", "cerebral",
              "clever", "smart", "politics", "deep"),
    ),
    "exciting": Mood(
        cues=("exciting", "thrilling", "adrenaline", "intense", "gripping", "explosive", "fast-paced",
              "fast paced", "high-octane", "epic"),
        want=("action", "thriller", "adventure"),
        avoid=("documentary", "musical"),
        tags=("action", "fast-paced", "exciting", "intense", "epic", "adventure", "suspense", "tense"),
    ),
    "suspenseful": Mood(
        cues=("suspenseful", "suspense", "tense", "nail-biting", "nail biting", "edge of my seat",
              "edge of your seat", "edge-of-your-seat", "nerve-wracking"),
        want=("thriller", "mystery", "horror", "crime", "action"),
        avoid=("children", "animation", "musical"),
        tags=("suspense", "tense", "suspenseful", "thriller", "twist ending", "mystery", "paranoia"),
    ),
    "romantic": Mood(
        cues=("romantic", "swoon", "swoony", "steamy"),
        want=("romance",),
        tags=("romance", "romantic", "love", "love story", "relationships", "wedding"),
    ),
    "violent": Mood(
        cues=("violent", "violence", "brutal", "graphic"),
        want=("action", "war", "crime", "horror"),
        avoid=("children",),
        tags=("violence", "violent", "brutal", "gore", "bloody", "graphic violence", "war"),
    ),
    "weird": Mood(
        cues=("weird", "quirky", "offbeat", "strange", "bizarre", "odd", "unusual", "absurd", "cult", "indie"),
        tags=("quirky", "surreal", "weird", "absurd", "cult film", "cult classic", "strange", "bizarre", "indie",
              "off-beat", "offbeat"),
    ),
}
# A negated mood ("nothing too violent") avoids these concepts and, when given, wants one of the others
# ("nothing sad" is a request for something upbeat); a mood missing here avoids what it wants.
NEGATED_MOODS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "violent": (("action", "war", "crime"), ()),
    "dark": (("horror", "war"), ()),
    "scary": (("horror", "thriller"), ()),
    "suspenseful": (("horror", "thriller"), ()),
    "sad": (("war", "horror"), ("comedy", "action", "adventure", "animation", "children", "musical", "fantasy",
                                "science fiction", "humor")),
    "mind-bending": ((), ()),
    "thoughtful": ((), ()),
    "weird": ((), ()),
    "exciting": (("action",), ()),
}


@dataclass(frozen=True)
class Audience:
    """Who will watch; ``want`` must match (any), ``avoid`` never."""

    cues: tuple[str, ...]
    want: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    label: str = ""
    negated_avoid: tuple[str, ...] = field(default=())


KID_UNSAFE = ("horror", "thriller", "war", "crime")
AUDIENCES: dict[str, Audience] = {
    "kids": Audience(
        cues=("kids", "kid", "children", "child", "my son", "my daughter", "my little", "year old", "year-old",
              "years old", "toddler", "toddlers", "little ones", "young ones", "kiddos", "kiddo", "grandkids",
              "grandchildren", "nephew", "niece", "preschooler", "children's", "childrens", "kids'", "childish",
              "kiddie", "kiddy", "juvenile"),
        want=("children",),
        avoid=KID_UNSAFE,
        tags=("family", "kids", "children", "disney", "pixar", "cute", "animal movie"),
        label="for kids",
        negated_avoid=("children",),
    ),
    "family": Audience(
        cues=("family", "whole family", "family-friendly", "family friendly", "all ages", "everyone can watch",
              "family movie night", "the family"),
        want=("children", "animation"),
        avoid=KID_UNSAFE,
        tags=("family", "disney", "pixar", "heartwarming", "kids"),
        label="for the family",
        negated_avoid=("children",),
    ),
    "date": Audience(
        cues=("date night", "date", "girlfriend", "boyfriend", "my wife", "my husband", "my partner",
              "romantic evening", "valentine", "valentine's", "anniversary", "my fiance", "my fiancee", "spouse"),
        want=("romance", "comedy", "humor"),
        avoid=("horror", "war", "documentary", "children"),
        tags=("romance", "romantic", "love", "chick flick", "funny", "witty"),
        label="for a date",
    ),
    "friends": Audience(
        cues=("friends", "group of friends", "my mates", "mates", "buddies", "party", "guys night", "girls night"),
        want=("comedy", "action", "adventure", "animation", "humor"),
        avoid=("documentary", "war"),
        tags=("funny", "action", "fun", "comedy", "quotable"),
        label="with friends",
    ),
    "adults": Audience(
        cues=("adults", "grown-ups", "grownups", "grown ups", "adult", "mature", "not for kids"),
        avoid=("children",),
        label="for adults",
    ),
}

# Words that only ask for a recommendation; what is left after facets and these is matched on meaning.
def word_set(text: str) -> frozenset[str]:
    """Whitespace-separated words as a set (long word lists read better as text)."""
    return frozenset(text.split())


FILLER = word_set(
    """a an the some any something anything someone everything please pls can could would you me us my i i'm im
    we our to for of in on at with and or it its it's this that these those be is are was were am do does
    recommend recommendation recommendations suggest suggestion suggestions give show find get want wanna need
    like love would'd i'd looking look mood feel feeling fancy watch watching see seeing read reading view
    movie movies film films flick flicks show shows series book books title titles item items one ones pick
    picks good great nice best decent new top really real very quite so just kind sort type bit little maybe
    tonight today tomorrow evening night weekend afternoon morning now later time while what which should
    else more other another again also there here will shall let lets let's have has had how about
    something's ok okay thanks thank hey hi hello fine enough sure well stuff things thing kinda sorta
    daughter son wife husband partner girlfriend boyfriend mom mum dad parents kids kid children year years old
    together alone someone everyone whole can might enjoy enjoys enjoyed watched seen already still ever make
    made released come came out keep keeps put rather pretty too much many lot lots all any every if then
    from but young little small else day days week weeks after work"""
)
NEGATION_CUES = (
    "nothing", "no", "not", "without", "never", "avoid", "except", "excluding", "isn't", "isnt", "aren't",
    "arent", "don't", "dont", "doesn't", "doesnt", "won't", "wont", "hate", "hates", "dislike", "dislikes",
    "can't stand", "cant stand", "tired of", "sick of", "other than", "anything but", "everything but",
    "skip", "none", "rather not", "less", "nor",
)
# Words that end a negated part ("no horror, but something funny").
SCOPE_BREAKS = ("but", "though", "although", "yet", "instead", "however", "rather", "preferably", "ideally")
SIMILAR_CUES = (
    "similar to", "in the vein of", "along the lines of", "the likes of", "reminds me of", "remind me of",
    "in the style of", "comparable to", "same vibe as", "vibe as", "like", "fans of", "fan of", "if i liked",
    "if i loved", "if i enjoyed", "i liked", "i loved", "i enjoyed", "i adored", "loved", "enjoyed", "liked",
)
# Nouns for the kind of item: "war movies" names a genre, not the film "War".
KIND_NOUNS = word_set("movie movies film films flick flicks show shows series ones books")
NOT_A_TITLE_START = word_set(
    "a an some something anything that this those these it to watching seeing what which one ones my your "
    "movies films stuff more less me i you"
)
DECADE_WORDS = {
    "twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960, "seventies": 1970,
    "eighties": 1980, "nineties": 1990, "noughties": 2000, "aughts": 2000, "two thousands": 2000,
}
RECENT_WORDS = ("recent", "recently", "newer", "newest", "latest", "last few years", "past few years",
                "last couple of years", "past couple of years", "lately", "this year", "brand new", "new release",
                "new releases", "just came out", "just released")
MODERN_WORDS = ("modern", "contemporary")
OLD_WORDS = ("old", "oldie", "oldies", "vintage", "golden age", "old school", "black and white", "silent",
             "retro", "old fashioned")
OLDER_WORDS = ("older", "classic", "classics")
SHORT_WORDS = ("short", "quick", "brief", "not too long", "not long")
LONG_WORDS = ("long", "lengthy", "epic-length")
