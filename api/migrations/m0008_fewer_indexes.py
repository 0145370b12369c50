"""Drops the single-column indexes on foreign keys that lead a composite index of the same
table: the composite one serves their look-ups (and the database's own foreign key checks),
and every index is one more b-tree each inserted row is written to."""

VERSION = 8
NAME = "fewer_indexes"

# index: the composite index that serves it
REDUNDANT = {
    "party_meeting_id": "party_meeting_id_country",
    "participant_meeting_id": "participant_meeting_id_position",
    "participant_person_id": "participant_person_id_date_first_meeting_id",
    "agreed_point_meeting_id": "agreed_point_meeting_id_position",
    "discussed_meeting_id": "discussed_meeting_id_position",
    "meeting_topic_meeting_id": "meeting_topic_meeting_id_topic",
    "meeting_source_meeting_id": "meeting_source_meeting_id_source_id",
    "meeting_source_source_id": "meeting_source_source_id_meeting_id",
    "relation_meeting_id": "relation_meeting_id_other_id",
    "relation_other_id": "relation_other_id_meeting_id",
}


def up(database):
    for index in REDUNDANT:
        database.execute_sql(f'DROP INDEX IF EXISTS "{index}"')
