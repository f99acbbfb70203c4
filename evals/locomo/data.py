"""Reading LoCoMo files: conversations of dated sessions, and questions whose evidence names turns."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from memory.errors import InvalidInputError

SESSION_KEY = re.compile(r"^session_(\d+)$")
EVIDENCE_ID = re.compile(r"D\d+:\d+")
ADVERSARIAL = 5  # category of unanswerable questions: no evidence to retrieve
DATE_FORMATS = ("%I:%M %p on %d %B, %Y", "%I:%M %p on %d %b, %Y", "%I:%M %p on %B %d, %Y")


class Turn(BaseModel):
    dia_id: str
    speaker: str
    text: str
    caption: str | None = None
    session: int
    session_time: datetime | None

    def as_memory_text(self) -> str:
        text = f"{self.speaker}: {self.text}"
        return f"{text} [shares an image: {self.caption}]" if self.caption else text


class Question(BaseModel):
    question: str
    answer: str | None
    evidence: list[str]
    category: int


class Conversation(BaseModel):
    sample_id: str
    speakers: tuple[str, str]
    turns: list[Turn]
    questions: list[Question]


def load_conversations(path: Path) -> list[Conversation]:
    """Parse a LoCoMo JSON file; errors name the file, the conversation and the field."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError("--data", f"{path} does not exist", "pass a LoCoMo JSON file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInputError("--data", f"{path} is not UTF-8 JSON: {error}") from None
    if not isinstance(raw, list):
        raise InvalidInputError("--data", f"{path}: expected a list of conversations, got {type(raw).__name__}")
    return [_conversation(path, index, item) for index, item in enumerate(raw)]


def _conversation(path: Path, index: int, item: object) -> Conversation:
    where = f"{path} conversation {index}"
    if not isinstance(item, dict) or not isinstance(item.get("conversation"), dict):
        raise InvalidInputError("conversation", f"{where}: missing the 'conversation' object")
    sample_id = str(item.get("sample_id") or f"conv-{index}")
    body = item["conversation"]
    turns: list[Turn] = []
    for key in sorted((k for k in body if SESSION_KEY.match(k)), key=lambda k: int(SESSION_KEY.match(k)[1])):
        session = int(SESSION_KEY.match(key)[1])
        when = _parse_time(body.get(f"{key}_date_time"))
        for position, turn in enumerate(body[key] or []):
            missing = [field for field in ("dia_id", "speaker", "text") if field not in turn]
            if missing:
                raise InvalidInputError(missing[0], f"{where} ({sample_id}) {key} turn {position}: field missing")
            turns.append(
                Turn(
                    dia_id=turn["dia_id"].strip(),
                    speaker=turn["speaker"],
                    text=turn["text"],
                    caption=turn.get("blip_caption") or None,
                    session=session,
                    session_time=when,
                )
            )
    questions = []
    for position, qa in enumerate(item.get("qa") or []):
        if "question" not in qa or "category" not in qa:
            raise InvalidInputError("qa", f"{where} ({sample_id}) question {position}: needs 'question' and 'category'")
        evidence = EVIDENCE_ID.findall(" ".join(str(e) for e in qa.get("evidence") or []))
        answer = qa.get("answer")
        questions.append(
            Question(
                question=qa["question"],
                answer=None if answer is None else str(answer),
                evidence=evidence,
                category=int(qa["category"]),
            )
        )
    speakers = (str(body.get("speaker_a", "")), str(body.get("speaker_b", "")))
    return Conversation(sample_id=sample_id, speakers=speakers, turns=turns, questions=questions)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
