"""The one error of storing records that cannot be stored together."""


class Conflict(ValueError):
    """Records that cannot be stored together: a dangling reference, say."""

    def __init__(self, meeting_id: str, field: str, message: str, status: int = 422):
        super().__init__(message)
        self.status = status
        self.meeting_id = meeting_id
        self.field = field
