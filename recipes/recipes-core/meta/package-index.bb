SUMMARY = "Indexes the package feeds in DEPLOY_DIR (tsbake package-index as a task)"
LICENSE = "MIT"

# The packaging tasks whose output the index covers, e.g. "hello:do_package_write_deb".
PACKAGEINDEXDEPS ?= ""

python do_package_index() {
    bb.fatal("do_package_index is run by tsbake's TypeScript builtin")
}
do_package_index[nostamp] = "1"
do_package_index[depends] += "${PACKAGEINDEXDEPS}"
addtask package_index before do_build
