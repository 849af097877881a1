from __future__ import annotations

from typing import Any

from django import forms

from qsep.models import Category, Course, EvaluationQuestion, ProviderType, Question


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label="Search courses", required=False, max_length=100)
    category = forms.ModelChoiceField(
        label="Category",
        queryset=Category.objects.all(),
        required=False,
        empty_label="All categories",
    )
    provider_type = forms.ModelChoiceField(
        label="Provider type",
        queryset=ProviderType.objects.all(),
        required=False,
        empty_label="All provider types",
    )
    min_ceus = forms.DecimalField(
        label="At least this many CEUs",
        required=False,
        min_value=0,
        max_value=99,
        decimal_places=1,
    )


class AnswerForm(forms.Form):
    def __init__(self, *args: Any, question: Question, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choice"] = forms.ModelChoiceField(
            label=question.text,
            queryset=question.choices.all(),
            widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
            empty_label=None,
            error_messages={"required": "Choose an answer."},
        )


class EvaluationForm(forms.Form):
    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(EvaluationQuestion.objects.filter(course=course))
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == EvaluationQuestion.Kind.RATING:
                self.fields[name] = forms.TypedChoiceField(
                    label=question.text,
                    choices=[(n, str(n)) for n in range(5, 0, -1)],
                    coerce=int,
                    widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
                    help_text="5 is best.",
                )
            else:
                self.fields[name] = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def responses(self) -> dict[int, dict[str, object]]:
        answers: dict[int, dict[str, object]] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if question.kind == EvaluationQuestion.Kind.RATING:
                answers[question.pk] = {"rating": value}
            else:
                answers[question.pk] = {"text": value or ""}
        return answers
