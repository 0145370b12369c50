"""Services that are not a single request: seeding, renames, bulk import and export, and
`meetings verify`."""
