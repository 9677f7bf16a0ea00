package mediadb

import (
	"embed"

	"hongyan/internal/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Schema is the media feature's migrations, for both engines
// (migrations/sqlite, migrations/postgres), numbered on their own.
var Schema = sqldb.Schema{Feature: "media", FS: migrations, Legacy: []int64{5}}
