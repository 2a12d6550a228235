# do_install runs under fakeroot: the owners and modes it sets become the packages'. base.bbclass
# inherits this class deferred, because a recipe's own do_install() drops the flag as BitBake
# drops it (oe-core sets it from anonymous python for the same reason).
do_install[fakeroot] = "1"
