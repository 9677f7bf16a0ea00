package groupcalldb

import (
	"embed"

	"hongyan/internal/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Schema is the group-call feature's migrations, for both engines
// (migrations/sqlite, migrations/postgres), numbered on their own.
var Schema = sqldb.Schema{Feature: "groupcall", FS: migrations}
