"""The printed documents' kinds and who may print each: all the print actions need at start
(services.documents, which gathers what a document shows, loads the booking services)."""

import enum


class DocumentKind(enum.StrEnum):
    CHECKLIST = "checklist"
    PREP_LETTER = "prep-letter"
    DISCHARGE = "discharge"
    DAY = "day"


PERMISSION: dict[DocumentKind, str] = {
    # The checklist and the day packet carry the medication and allergy details staff act on.
    DocumentKind.CHECKLIST: "print.clinical",
    DocumentKind.DAY: "print.clinical",
    # The front desk hands the prep letter over at booking.
    DocumentKind.PREP_LETTER: "print.patient",
    # Discharge is given by the nurse or the provider who signs it.
    DocumentKind.DISCHARGE: "print.clinical",
}

PATIENT_FACING = frozenset({DocumentKind.PREP_LETTER, DocumentKind.DISCHARGE})
