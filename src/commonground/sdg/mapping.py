"""Result shapes of the SDG mapper, shared by the CLI (--json), the API and the catalog."""

from __future__ import annotations

from pydantic import BaseModel, Field

#: per mode, a number raised when the code changes that mode's answers for the same model
#: files (a new way of ranking targets, say). Corpus mapping records it, so that an
#: unfinished run never resumes into answers of two kinds. A mode absent here answers as it
#: did when runs began to record this. fast 1: English text's targets ranked with the
#: targets' n-grams too (target round 6, 2026-11-29). fast 2, accurate 1: a batch's
#: targets ranked together in matrix-matrix products, whose sums round differently in the
#: last bits, so that a target's score can move by 0.0001 (4 of 2,014 answers, 2026-11-29).
#: fast 3: the shipped model's fast head refitted (thirty-sixth round, 2026-11-29).
ANSWER_REVISION: dict[str, int] = {"fast": 3, "accurate": 1}


#: the probability from which a goal the mapper does not propose is worth a reader's look as
#: a possible secondary theme: on the held-out written sets (benchmarks/calibration.py)
#: text-goal pairs below it are true 0.2-0.5 % of the time and pairs from 0.1 to 0.2
#: 9-18 % (11-18 % when it was set, before the fast head of the thirty-sixth round); by
#: labels that count secondary themes (the SDG Classification Benchmark's) every bin above
#: it is true 52 % of the time or more (docs/benchmarks.md, "calibration")
SECONDARY_FLOOR = 0.1


class GoalScore(BaseModel):
    goal: int = Field(ge=1, le=17)
    probability: float = Field(ge=0, le=1, description="Calibrated probability.")
    predicted: bool = Field(description="The mapper's yes/no decision for this goal.")
    evidence: list[str] = Field(
        default_factory=list, description="Sentences or phrases that drove a positive goal."
    )


class TargetScore(BaseModel):
    target: str = Field(description="Target id such as '11.2'.")
    score: float = Field(ge=0, le=1)


class SdgMapping(BaseModel):
    """The mapper's answer for one text: all 17 goals, the likeliest targets, evidence."""

    goals: list[GoalScore]
    targets: list[TargetScore] = Field(default_factory=list)
    mode: str = "accurate"
    language: str | None = None
    notes: list[str] = Field(
        default_factory=list,
        description="What made this answer less reliable than usual, e.g. Spanish text read "
                    "without the multilingual encoder; empty normally.")

    def predicted_goals(self) -> list[int]:
        return [g.goal for g in self.goals if g.predicted]

    def secondary_goals(self, floor: float = SECONDARY_FLOOR) -> list[GoalScore]:
        """The goals not proposed whose probability is at least ``floor``, likeliest first:
        themes the text may discuss beside its proposed goals (docs/sdg-mapper.md). None
        when no goal is proposed: there is no main theme for them to stand beside, and a
        text the content gate turns away (which proposes nothing) must not get themes."""
        if not any(g.predicted for g in self.goals):
            return []
        return sorted((g for g in self.goals if not g.predicted and g.probability >= floor),
                      key=lambda g: (-g.probability, g.goal))
