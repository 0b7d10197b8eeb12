module lantan.test/gotlog

go 1.19

require golang.org/x/mod v0.7.0

// Debian's golang-golang-x-mod-dev (scripts/system-deps installs it): this machine reaches
// Debian's archive but not the Go module proxy, so the module comes from the package.
replace golang.org/x/mod => /usr/share/gocode/src/golang.org/x/mod
