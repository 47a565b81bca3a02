#!/bin/sh
# What the official nginx image's entrypoint does with templates: each
# /etc/nginx/templates/NAME.template becomes /etc/nginx/conf.d/NAME with the environment's
# variables substituted (only those matching NGINX_ENVSUBST_FILTER, when it is set).
set -eu
templates=/etc/nginx/templates
if [ -d "$templates" ]; then
  vars=$(env | cut -d= -f1 | grep -E "${NGINX_ENVSUBST_FILTER:-.*}" | sed 's/^/${/; s/$/}/' | tr '\n' ' ')
  for template in "$templates"/*.template; do
    [ -f "$template" ] || continue
    name=$(basename "$template" .template)
    envsubst "$vars" < "$template" > "/etc/nginx/conf.d/$name"
    echo "rendered $template into /etc/nginx/conf.d/$name"
  done
fi
exec "$@"
