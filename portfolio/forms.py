"""Forms of the portfolio pages: they parse input into the services' arguments and nothing more."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gradebook.models import Subject
from portfolio.models import Area, AwardKind, GtoBadge, ItemKind, Level, Result
from portfolio.services import ItemData


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the type, size and content are checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    organiser = forms.CharField(label=_("Organiser"), max_length=300, required=False)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices)
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.all(), required=False)
    area = forms.CharField(label=_("Area"), max_length=200, required=False)
    official_list = forms.BooleanField(
        label=_("The event is on the official list for identifying gifted children"), required=False
    )
    hours = forms.IntegerField(label=_("Hours (volunteering)"), min_value=1, max_value=5000, required=False)
    gto_badge = forms.ChoiceField(
        label=_("GTO badge"), choices=[("", "—"), *GtoBadge.choices], required=False
    )
    gto_stage = forms.IntegerField(label=_("GTO stage"), min_value=1, max_value=18, required=False)
    files = MultipleFileField(label=_("Scans of the documents (PDF, JPEG or PNG)"), required=False)

    def item_data(self) -> ItemData:
        d = self.cleaned_data
        return ItemData(
            kind=d["kind"],
            title=d["title"],
            organiser=d["organiser"],
            date=d["date"],
            level=d["level"],
            result=d["result"],
            subject=d["subject"],
            area=d["area"],
            official_list=d["official_list"],
            hours=d["hours"],
            gto_badge=d["gto_badge"],
            gto_stage=d["gto_stage"],
        )

    @classmethod
    def initial_of(cls, item) -> dict:
        return {name: getattr(item, name) for name in cls.base_fields if name != "files"}


class StaffItemForm(ItemForm):
    verify = forms.BooleanField(label=_("Verified: I have seen the original"), required=False, initial=True)


class ChangeReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why it is changed"), max_length=500, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class EvidenceForm(forms.Form):
    files = MultipleFileField(label=_("Scans of the documents (PDF, JPEG or PNG)"))


class CreditRequestForm(forms.Form):
    organisation = forms.CharField(label=_("Organisation"), max_length=300)
    programme = forms.CharField(label=_("Course or programme"), max_length=300)
    result = forms.CharField(label=_("Result"), max_length=300)
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=5000, required=False)
    completed_on = forms.DateField(
        label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    files = MultipleFileField(label=_("Documents (PDF, JPEG or PNG)"))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class GiftedEntryForm(forms.Form):
    student = forms.IntegerField(widget=forms.HiddenInput)
    basis = forms.CharField(label=_("Basis"), max_length=500)
    registry_number = forms.CharField(label=_("Register entry number"), max_length=100, required=False)
    entered_on = forms.DateField(
        label=_("Entered on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class AwardOrderForm(forms.Form):
    number = forms.CharField(label=_("Order number"), max_length=50)
    date = forms.DateField(
        label=_("Order date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    title = forms.CharField(label=_("Title"), max_length=300)


class AwardLineForm(forms.Form):
    """One student of a new order typed by hand (besides accepted proposals)."""

    student = forms.IntegerField(label=_("Student"))
    kind = forms.ChoiceField(label=_("Award"), choices=AwardKind.choices)
    area = forms.ChoiceField(label=_("Activity area"), choices=Area.choices)
    wording = forms.CharField(label=_("Wording"), max_length=300, required=False)
