// Package hongyan is the shared vocabulary of a Hongyan node: typed IDs, the
// Error type with its codes, the caller's identity, the per-user change log
// entry, and the Bus port that carries notifications between components and
// nodes. It imports only the standard library; every feature may import it.
package hongyan
