"""LaMP prompts from the template files in ``prompts/lamp/``.

The shape is the benchmark's own: each retrieved profile item rendered with the task's pattern
(``prompts/lamp/<task>_item.txt``), joined with ", and ", before the task input as given. LaMP-1
puts the items after the word "title" of the input, as the official code does. A base model then
needs a cue for where the answer goes (" category:", "\nHeadline:", ...): it ends each template.
"""

from __future__ import annotations

from collections.abc import Sequence

import prompts

from .tasks import TaskSpec

MAX_ITEM_CHARS = 600  # per profile field in a prompt; keeps k items well inside a 2,048-token context


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ITEM_CHARS else text[:MAX_ITEM_CHARS].rsplit(" ", 1)[0] + " ..."


def render_item(spec: TaskSpec, item: dict[str, str]) -> str:
    values = {name: _clip(item.get(name, "")) for name in {*spec.fields, *spec.corpus}}
    return prompts.render(f"lamp/{spec.name}_item", **values)


def build_prompt(
    spec: TaskSpec, question_input: str, items: Sequence[dict[str, str]], summary: str | None = None
) -> str:
    """The prompt for one question with these profile items (none: the input alone), optionally a summary first."""
    if not items:
        prompt = prompts.render(f"lamp/{spec.name}_none", input=question_input)
    else:
        profile = ", and ".join(render_item(spec, item) for item in items)
        if spec.name == "LaMP_1":
            at = question_input.find("title")
            cut = at + len("title") if at >= 0 else len(question_input)
            prompt = prompts.render(
                "lamp/LaMP_1", head=question_input[:cut], profile=profile, tail=question_input[cut:]
            )
        else:
            prompt = prompts.render(f"lamp/{spec.name}", profile=profile, input=question_input)
    if summary:
        prompt = prompts.render("lamp/with_summary", summary=summary.strip(), prompt=prompt)
    return prompt


def distinguishing_prefix(label: str, labels: Sequence[str]) -> str:
    """The fewest leading words of ``label`` that no other label starts with (the whole label if none)."""
    words = label.split()
    for n in range(1, len(words) + 1):
        prefix = words[:n]
        if not any(other != label and other.split()[:n] == prefix for other in labels):
            return " ".join(prefix)
    return label


def label_options(spec: TaskSpec) -> list[str]:
    """What ``ChatModel.score`` compares: each label's distinguishing first words after the cue (leading space).

    Once its first word is out, the rest of a label is all but certain, so scoring only the words that
    tell labels apart ranks them as the whole labels do (on 60 LaMP-2N questions: the same accuracy,
    .83) while the model evaluates one token per label instead of decoding every label in full.
    """
    return [" " + distinguishing_prefix(label, spec.labels) for label in spec.labels]
