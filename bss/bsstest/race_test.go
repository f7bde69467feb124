//go:build race

package bsstest

const raceEnabled = true
