# tflint with its built-in Terraform rules at the "all" preset (naming, unused declarations,
# typed variables, documented outputs, pinned providers, standard module structure).
# The AWS ruleset is a plugin that tflint downloads from GitHub releases; where that is possible
# (GitHub's runners), install-tools.sh enables it with `tflint --init`; see README.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
