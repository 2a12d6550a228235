# A package group: one empty package whose RDEPENDS (and RRECOMMENDS) name the packages it
# stands for. It builds nothing and is the same for every machine.
PACKAGES = "${PN}"
ALLOW_EMPTY:${PN} = "1"
inherit allarch
