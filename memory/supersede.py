"""Does a new statement replace an old one? Slots, subjects and values decide, not word overlap.

Two statements conflict when a claim of the new one (``memory.claims``) and a claim of the old one
are about the same subject and slot and cannot both be true:
- a slot with one value at a time (where someone lives, their job, diet, partner, a favourite): the
  values differ ("Berlin" vs "Paris"), or the new claim ends the old value ("I don't live in Austin
  any more"), or says the slot changed without naming the new value ("I got a new job");
- a slot with many values (likes, hobbies, pets, things owned, foods): the same value flips between
  positive and negative ("I love sushi" vs "I can't stand sushi these days"), and for owned things a
  new one of the same kind replaces the old ("I got a new car" vs "I drive a Golf");
- the generic forms: "I stopped / gave up / no longer X" ends any old claim about X; "I switched to
  Y" replaces an old value of the same kind (compared by embedding similarity when one is given).
Additive wording ("also", "too", "a second") never replaces a single-valued slot. Nothing here
fires across subjects: "my sister moved to Madrid" leaves "I live in Rome" alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .claims import STOP, TIME_WORDS, Claim, claims, group_of, stem
from .lexicon import words
from .records import Memory, MemoryStatus

Similarity = Callable[[str, str], float]

SINGLE_VALUED = frozenset(
    words("""residence dwelling household occupation employer field shift workplace school diet diet-plan
    relationship partner
    name age commute team prefer children grandchildren""")
)
SINGLE_PREFIXES = ("favourite:", "contact:", "schedule:", "pet-count:")
SWITCH_SIMILARITY = 0.45  # MiniLM cosine of two values of one kind: "Windows"/"Linux", "tea"/"coffee" are above
PREFER_SIMILARITY = 0.35  # "tea"/"coffee" .5+, "tea"/"aisle seats on planes" under .2


def single_valued(slot: str) -> bool:
    return slot in SINGLE_VALUED or slot.startswith(SINGLE_PREFIXES)


def keys_match(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same value: equal heads, one inside the other ("rock" / "rock music"), or one food in the other's group."""
    if not a or not b:
        return False
    if set(a) <= set(b) or set(b) <= set(a):
        return True
    group_a, group_b = group_of(a), group_of(b)
    return (group_a is not None and stem(group_a) in b) or (group_b is not None and stem(group_b) in a)


def conflicts(old: Claim, new: Claim, similar: Similarity | None = None) -> bool:
    """Whether ``new`` makes ``old`` untrue (see the module docstring)."""
    if old.subject != new.subject or old.negated and new.slot in ("any", "switch"):
        return False
    if new.slot == "any":  # "I gave up sugar" ends "I drink soda"; "I cut out soda" leaves "I eat sugar"
        if new.negated and old.slot in ENDED_BY_NAME and stem(old.slot) in new.key:
            return not old.negated  # "no more commuting" ends "I commute by train"
        return new.negated and not _own_rules_only(old.slot) and covers_item(new.key, old.key)
    if new.slot == "exists":  # "my dad passed away" ends every fact about him
        return new.negated and not old.negated
    if new.slot in ("like", "consume") and new.negated and old.slot.startswith("favourite:") and not old.negated:
        return keys_match(old.key, new.key)  # "I've gone off Coldplay", "I don't drink coffee any more" end a favourite
    if new.slot == "like" and new.negated and new.changed and old.slot in ("activity", "membership"):
        return not old.negated and keys_match(old.key, new.key)  # "I've lost interest in chess" ends "I play chess"
    if new.slot == "consume" and old.slot == "like" and new.negated and not old.negated:
        return group_of(old.key) is not None and keys_match(old.key, new.key)  # "I love steak" -> "I'm vegan now"
    if new.slot == "switch":
        return _switched(old, new, similar)
    if old.slot in new.covers and old.slot != new.slot:
        return not old.negated
    if old.slot != new.slot:
        return False
    if old.slot == "pet":
        return _pet_conflict(old, new)
    if old.slot == "own":
        return _owned_conflict(old, new)
    if single_valued(old.slot):
        return _single_conflict(old, new, similar)
    if old.negated == new.negated:
        return False
    if new.slot == "habit" and new.negated and not new.key and new.changed:  # "I kicked the habit": whichever it was
        return True
    negative, positive = (new, old) if new.negated else (old, new)
    return keys_match(negative.key, positive.key) and covers_item(negative.key, positive.key)


def covers_item(negative: tuple[str, ...], positive: tuple[str, ...]) -> bool:
    """A "not X" covers "Y" when Y is X or a kind of X: "no meat" covers "beef", "no pork" does not cover "meat"."""
    if not negative or not positive:
        return False
    if set(positive) <= set(negative) or set(negative) <= set(positive):
        return True
    group = group_of(positive)
    return group is not None and stem(group) in negative


def _own_rules_only(slot: str) -> bool:
    """Slots a generic "I stopped / quit / no longer X" does not end: they have their own wording.

    "I quit my football team" leaves "my favourite sport is football"; "I'm off dairy" leaves "I'm
    lactose intolerant"; "I stopped eating fish" leaves the goldfish.
    """
    return slot in NOT_ENDED_BY_STOPPING or slot.startswith(SINGLE_PREFIXES)


SWITCHABLE = frozenset(
    words("use like prefer consume activity own commute diet diet-plan team shift workplace aid medication habit")
)
ENDED_BY_NAME = frozenset(words("commute shift habit"))  # slots that "no more <slot>ing" ends whatever its value
NOT_ENDED_BY_STOPPING = frozenset(words("pet own allergy partner relationship age name children grandchildren"))


def _single_conflict(old: Claim, new: Claim, similar: Similarity | None) -> bool:
    if new.negated:
        return not old.negated and (not new.key or keys_match(old.key, new.key))
    if old.negated:
        return keys_match(old.key, new.key)  # back to what had ended: "I eat meat again"
    if new.additive:
        return False
    if old.key and new.key:
        if keys_match(old.key, new.key):
            return False
        if old.slot == "prefer":
            return similar is not None and similar(_plain(old.raw), _plain(new.raw)) >= PREFER_SIMILARITY
        return True
    return not new.key and new.changed


def _pet_conflict(old: Claim, new: Claim) -> bool:
    if old.negated == new.negated:
        return False
    if new.key == ("pet",) or old.key == ("pet",):  # "I don't have any pets (any more)"
        return True
    if not new.negated:  # a pet again: "I have no dog" -> "we got a dog"
        return old.key[0] == new.key[0] and not old.key[1]
    (old_species, old_name), (new_species, new_name) = old.key, new.key
    if old_name and new_name:
        return old_name == new_name
    return bool(old_species) and old_species == new_species


def _owned_conflict(old: Claim, new: Claim) -> bool:
    if old.key != new.key:
        return False
    if old.negated != new.negated:  # "I sold my Switch" leaves "I have a PlayStation"
        return not (old.raw and new.raw and not keys_match(stems(old.raw), stems(new.raw)))
    if old.negated or new.additive or not new.changed:
        return False
    return not (old.raw and new.raw and keys_match(stems(old.raw), stems(new.raw)))


def _switched(old: Claim, new: Claim, similar: Similarity | None) -> bool:
    """ "I switched to Linux" replaces "I use Windows": an old value of the same kind, not the same value.

    With "from X" said, the claim ending X decides, and the new value replaces nothing by similarity.
    """
    if new.covers == ("from",) or old.slot not in SWITCHABLE:
        return False
    if old.slot == "own":
        return group_same_thing(old, new)
    if old.slot in ("consume", "use", "like") and old.key and set(old.key) < set(new.key):
        return True  # more specific: "I drink milk" -> "I switched to oat milk"
    if not old.raw or keys_match(old.key, new.key):
        return False
    return similar is not None and similar(_plain(old.raw), _plain(new.raw)) >= SWITCH_SIMILARITY


def _plain(value: str) -> str:
    """A value without counts and articles ("two coffees" -> "coffees"), as an embedding compares it best."""
    words = [w for w in value.split() if w.lower() not in STOP and w.lower() not in TIME_WORDS and not w.isdigit()]
    return " ".join(words) or value


def group_same_thing(old: Claim, new: Claim) -> bool:
    from .lexicon import THINGS

    return any(THINGS.get(word.lower()) == old.key[0] for word in new.raw.split())


def stems(text: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in text.split())


def replaces(old_text: str, new_text: str, similar: Similarity | None = None) -> bool:
    """Whether a new statement makes an old memory untrue."""
    old_claims = claims(old_text)
    if not old_claims:
        return _replaces_unparsed(old_text, claims(new_text))
    return any(conflicts(old, new, similar) for new in claims(new_text) for old in old_claims)


def _replaces_unparsed(old_text: str, new_claims: tuple[Claim, ...]) -> bool:
    """An old memory no rule read: only an explicit ending of something it names replaces it."""
    words = set(stems(" ".join(w.strip(".,!?").lower() for w in old_text.split())))
    return any(
        c.slot == "any" and c.negated and c.subject == "self" and c.key and c.key[-1] in words for c in new_claims
    )


def replaced_by(new_text: str, memories: Sequence[Memory], similar: Similarity | None = None) -> list[Memory]:
    """The active ``memories`` that ``new_text`` makes untrue, in the order given.

    A memory none of whose claims shares a subject with the new claims (or, for slot-bound claims, a
    slot) is skipped before the pairwise rules run: a user can have thousands of memories.
    """
    new_claims = claims(new_text)
    if not new_claims:
        return []
    subjects = {c.subject for c in new_claims}
    slots = {slot for c in new_claims for slot in (c.slot, *c.covers)}
    open_ended = any(c.slot in OPEN_ENDED for c in new_claims)
    found = []
    for memory in memories:
        if memory.status is not MemoryStatus.ACTIVE:
            continue
        old_claims = claims(memory.text)
        if old_claims and not any(c.subject in subjects and (open_ended or c.slot in slots) for c in old_claims):
            continue
        if replaces(memory.text, new_text, similar):
            found.append(memory)
    return found


# New claims that can end an old claim in another slot (matched by value or subject, not by slot).
OPEN_ENDED = frozenset(("any", "switch", "exists", "consume", "like"))  # see the cross-slot rules in conflicts()
