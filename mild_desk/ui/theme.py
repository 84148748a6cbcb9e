"""Colours and marks the screens share; every colour comes with a word or a mark as well."""

from mild_desk.models.enums import RequirementStatus
from mild_desk.services.views import BlockState

BLOCK_COLOURS = {
    BlockState.READY: "#bfe3c0",
    BlockState.PENDING: "#ffe3a3",
    BlockState.UNMET: "#f5b8b8",
    BlockState.OVERRIDDEN: "#d6cdf2",
    BlockState.DONE: "#dcdcdc",
}
BLOCK_EDGES = {
    BlockState.READY: "#2e7d32",
    BlockState.PENDING: "#b26a00",
    BlockState.UNMET: "#b00020",
    BlockState.OVERRIDDEN: "#5e35b1",
    BlockState.DONE: "#616161",
}
BLOCK_MARKS = {
    BlockState.READY: "✓ ready",
    BlockState.PENDING: "… pending",
    BlockState.UNMET: "✗ unmet",
    BlockState.OVERRIDDEN: "⚑ overridden",
    BlockState.DONE: "✔ done",
}
STATUS_COLOURS = {
    RequirementStatus.MET: "#d7eed8",
    RequirementStatus.PENDING: "#fff0c7",
    RequirementStatus.UNMET: "#f9d0d0",
    RequirementStatus.OVERRIDDEN: "#e3dcf7",
}
CLOSED = "#c9c9c9"
OUTSIDE = "#ececec"
OPEN = "#ffffff"
READY_BANNER = "background: #2e7d32; color: white; font-weight: bold; padding: 6px"
NOT_READY_BANNER = "background: #fff0c7; color: #3b2a00; padding: 6px"
