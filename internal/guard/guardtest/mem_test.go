package guardtest

import (
	"testing"

	"hongyan/internal/guard"
)

func TestMem(t *testing.T) {
	Run(t, func(*testing.T) guard.Store { return NewMem() })
}
