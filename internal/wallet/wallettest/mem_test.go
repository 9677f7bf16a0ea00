package wallettest_test

import (
	"testing"

	"hongyan/internal/wallet"
	"hongyan/internal/wallet/wallettest"
)

func TestMem(t *testing.T) {
	wallettest.Run(t, func(t *testing.T) wallet.Store { return wallettest.NewMem() })
}
