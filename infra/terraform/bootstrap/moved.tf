# A bootstrap from before environments had one deploy role (aws_iam_role.deploy), trusted by the
# `production` environment: it becomes production's, updated in place (its trust and policies),
# not destroyed and created again. Its name, <name>-github-deploy, stays only with
# deploy_role_names = { production = "<name>-github-deploy" } (a role's name cannot change in
# place): then its ARN, which GitHub's AWS_DEPLOY_ROLE_ARN holds, stays too. Its inline policies
# give way to the managed ones. Bootstraps whose deploy_environment was not production:
# terraform state mv 'aws_iam_role.deploy' 'aws_iam_role.deploy["<that environment>"]' first.
moved {
  from = aws_iam_role.deploy
  to   = aws_iam_role.deploy["production"]
}
