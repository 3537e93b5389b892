module plib

go 1.26.8

require (
	github.com/alecthomas/kong v1.17.0 // indirect
	github.com/bobuhiro11/gokvm v0.0.8-0.20231003020000-f53faca69d28 // indirect
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	golang.org/x/arch v0.2.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
