#!/bin/sh
# Test-only wrapper: records how a runtime called the plugin (the CNI_* variables, set or not, and the
# network config on stdin as one line), then runs particle with the same input. CniRecorder writes a
# copy with @LOG@ and @PLUGIN@ filled in wherever the runtime looks for the plugin.
log='@LOG@'
plugin='@PLUGIN@'
config=$(cat)
line=$(printf 'CNI_COMMAND=%s\tCNI_CONTAINERID=%s\tCNI_NETNS=%s\tCNI_IFNAME=%s\tCNI_ARGS=%s\tCNI_PATH=%s\tstdin=%s' \
  "${CNI_COMMAND-<unset>}" "${CNI_CONTAINERID-<unset>}" "${CNI_NETNS-<unset>}" "${CNI_IFNAME-<unset>}" \
  "${CNI_ARGS-<unset>}" "${CNI_PATH-<unset>}" "$(printf '%s' "$config" | tr -d '\n\t')")
# One write per call, so concurrent calls do not interleave.
printf '%s\n' "$line" >> "$log"
printf '%s' "$config" | exec "$plugin"
