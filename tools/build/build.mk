# SPDX-License-Identifier: GPL-2.0-only
# Host set-up: install the Debian packages the build and the tests need.

$(HOST_PACKAGES_STAMP): tools/build/host-packages.txt tools/build/ensure-host-packages.sh
	@mkdir -p $(@D)
	tools/build/ensure-host-packages.sh tools/build/host-packages.txt
	@touch $@
