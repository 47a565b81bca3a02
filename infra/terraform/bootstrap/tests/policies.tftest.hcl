# The exact policy documents of the GitHub roles, the stack's permissions boundary and the state
# bucket (modules/iam-policies, no provider involved), read as an attacker would: what a pull
# request can reach with the plan role, and whether the deploy role can make itself an
# administrator. check.sh also runs parliament on the same JSON.

variables {
  name              = "platform"
  account_id        = "123456789012"
  region            = "eu-west-1"
  state_bucket      = "platform-tfstate-123456789012-eu-west-1"
  state_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111"
}

run "plan_role_reads_no_secret_and_writes_nothing" {
  command = apply
  module {
    source = "../modules/iam-policies"
  }

  assert {
    condition     = alltrue([for st in jsondecode(output.plan_policy_json).Statement : st.Effect == "Allow"])
    error_message = "the plan policy only allows (its limits come from what it does not list)"
  }

  assert {
    condition = alltrue(flatten([for st in jsondecode(output.plan_policy_json).Statement : [
      for a in st.Action : can(regex("^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]+$", a)) || a == "kms:Decrypt" || a == "budgets:ViewBudget"
    ]]))
    error_message = "every action of the plan role reads (Describe, Get, List; AWS Budgets' read is ViewBudget): no write, no wildcard"
  }

  assert {
    condition = length(flatten([for st in jsondecode(output.plan_policy_json).Statement : [
      for a in st.Action : a if contains(["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "logs:GetLogEvents", "logs:FilterLogEvents", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "lambda:GetFunction", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeInstanceAttribute"], a)
    ]])) == 0
    error_message = "no action of the plan role returns a secret value, a log event, an image or user data"
  }

  assert {
    condition = [for st in jsondecode(output.plan_policy_json).Statement : st if st.Action == ["kms:Decrypt"]] == [{
      Sid       = "DecryptStateThroughS3"
      Effect    = "Allow"
      Action    = ["kms:Decrypt"]
      Resource  = [var.state_kms_key_arn]
      Condition = { StringEquals = { "kms:ViaService" = "s3.eu-west-1.amazonaws.com" } }
    }]
    error_message = "the plan role decrypts with the state's key only, and only through S3 (never a secret's key)"
  }

  assert {
    condition = toset(flatten([for st in jsondecode(output.plan_policy_json).Statement : st.Resource if anytrue([for a in st.Action : startswith(a, "s3:")])])) == toset([
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1",
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/platform/*",
    ]) && one([for st in jsondecode(output.plan_policy_json).Statement : st.Action if st.Sid == "ReadSecretFreeStates"]) == ["s3:GetObject"]
    error_message = "the plan role reads the objects under platform/ of the state bucket and no other object of any bucket (the credentials states are under credentials/)"
  }

  assert {
    condition     = one([for st in jsondecode(output.plan_policy_json).Statement : st.Resource if st.Sid == "ReadStackRoles"]) == ["arn:aws:iam::123456789012:role/platform-*"] && one([for st in jsondecode(output.plan_policy_json).Statement : st.Resource if st.Sid == "DescribeStackSecrets"]) == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-*"]
    error_message = "the plan role reads the stack's own roles and the metadata of the stack's own secrets"
  }
}

run "deploy_roles_cannot_escalate" {
  command = apply
  module {
    source = "../modules/iam-policies"
  }

  # every Allow statement of every environment's deploy policies
  assert {
    condition = length([for st in flatten([for env, ps in output.deploy_policy_jsons : [for p in values(ps) : jsondecode(p).Statement]]) : st if st.Effect == "Allow" && anytrue([
      for a in try(st.Action, []) : can(regex("^(sts|lambda|ssm|iam|organizations|account|codebuild|cloudformation|glue|sagemaker|ec2-instance-connect|ssm-guiconnect):\\*$|^\\*$|^(sts:AssumeRole|ec2:RunInstances|ec2:ModifyInstanceAttribute|ec2:AssociateIamInstanceProfile|iam:AttachUserPolicy|iam:PutUserPolicy|iam:CreateAccessKey|iam:CreateLoginProfile|iam:CreatePolicyVersion|iam:SetDefaultPolicyVersion|iam:CreatePolicy|iam:AddUserToGroup|iam:DeleteRolePermissionsBoundary)$", a))
    ])]) == 0
    error_message = "deploy gets no wildcard service, no sts:AssumeRole, no compute outside ECS, no user, policy-version or boundary-removal IAM action"
  }

  assert {
    condition = alltrue([for env, ps in output.deploy_policy_jsons : alltrue([for st in jsondecode(ps.iam).Statement : (
      st.Effect == "Deny" || !anytrue([for a in st.Action : contains(["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:DeleteRolePolicy", "iam:DetachRolePolicy"], a)]) ||
      try(st.Condition.StringEquals["iam:PermissionsBoundary"], "") == "arn:aws:iam::123456789012:policy/platform-stack-boundary"
    )])])
    error_message = "every allowed call that creates a role or changes its policies requires the stack's boundary on that role"
  }

  assert {
    condition     = !contains(flatten([for env, ps in output.deploy_policy_jsons : [for p in values(ps) : [for st in jsondecode(p).Statement : try(st.Action, []) if st.Effect == "Allow"]]]), "iam:AttachRolePolicy")
    error_message = "with no approved managed policy, deploy attaches none (the stack uses inline policies only): no AdministratorAccess on a role of its own"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : [for st in jsondecode(output.deploy_policy_jsons[env].iam).Statement : st if contains(st.Action, "iam:PassRole")] == [{
      Sid       = "PassOwnRolesToTheirServices"
      Effect    = "Allow"
      Action    = ["iam:PassRole"]
      Resource  = ["arn:aws:iam::123456789012:role/platform-${env}-*"]
      Condition = { StringEquals = { "iam:PassedToService" = ["ecs-tasks.amazonaws.com", "ecs.amazonaws.com", "scheduler.amazonaws.com", "vpc-flow-logs.amazonaws.com"] } }
    }]])
    error_message = "each deploy role passes its own environment's roles, to ECS (tasks, and blue/green's load balancer role), VPC flow logs and EventBridge Scheduler (DocumentDB's working hours) only"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : alltrue([for st in jsondecode(output.deploy_policy_jsons[env].iam).Statement : (
      st.Effect == "Deny" || st.Resource == ["arn:aws:iam::123456789012:role/platform-${env}-*"] || st.Resource == ["arn:aws:iam::123456789012:role/aws-service-role/*"]
    )])])
    error_message = "each deploy role's IAM rights are on its own environment's roles (and service-linked roles) only: no user, group, policy or provider, no other environment's role"
  }

  assert {
    condition = alltrue([for env, ps in output.deploy_policy_jsons : anytrue([for st in jsondecode(ps.iam).Statement : st.Effect == "Deny" && st.Action == ["iam:*"] && st.Resource == ["arn:aws:iam::123456789012:role/platform-github-*", "arn:aws:iam::123456789012:role/platform-deploy-*"]]) && anytrue([
      for st in jsondecode(ps.iam).Statement : st.Effect == "Deny" && st.Resource == ["arn:aws:iam::123456789012:policy/platform-stack-boundary"] && toset(st.Action) == toset(["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"])
      ]) && anytrue([
      for st in jsondecode(ps.iam).Statement : st.Effect == "Deny" && st.Action == ["iam:DeleteRolePermissionsBoundary"] && st.Resource == ["*"]
    ])])
    error_message = "no deploy role can ever change a GitHub role (its own and every other environment's included), the boundary policy, or take a boundary off a role"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : alltrue([for st in concat(jsondecode(output.deploy_policy_jsons[env].services).Statement, jsondecode(output.deploy_policy_jsons[env].data).Statement) : (
      st.Effect == "Deny" || !anytrue([for a in try(st.Action, []) : can(regex("^(ecr:(Put|Upload|Complete|Initiate|BatchDelete|Delete|Create)|ecs:(RunTask|StartTask|ExecuteCommand|UpdateService|CreateService)|secretsmanager:(GetSecretValue|PutSecretValue)|rds:(Delete|Modify|Create)|logs:(Delete|Put))", a))]) ||
      # CloudWatch Logs' account-level calls without a resource: asserted exactly in the_edge_firewall_log_is_each_environments_own
      contains(["FirewallLogDelivery", "FirewallLogResourcePolicy"], try(st.Sid, "")) ||
      alltrue([for r in st.Resource : can(regex(":(repository/platform-${env}/\\*|repository/platform-${env}/pr\\*/\\*|repository/platform-${env}-pub/\\*|repository/platform-${env}-rmq/\\*|cluster/platform-${env}|service/platform-${env}/\\*|task/platform-${env}/\\*|task-definition/platform-${env}-\\*:\\*|secret:platform-${env}/\\*|cluster:platform-${env}|cluster-pg:platform-${env}-\\*|cluster-snapshot:platform-${env}-\\*|db:platform-${env}-\\*|subgrp:platform-${env}|og:\\*|log-group:/(ecs|vpc|aws/docdb)/platform-${env}/\\*(:\\*)?|log-group:/aws/amazonmq/broker/\\*(:\\*)?|log-group:aws-waf-logs-platform-${env}(:\\*)?)$", r))])
    )])])
    error_message = "images (the tracing collector's <name>-<env>-pub/* included), tasks, databases, log groups (the edge firewall's aws-waf-logs-<name>-<env> included) and secret values are each environment's own: pushing, starting tasks, changing databases and reading or writing secrets only on <name>-<env>... resources"
  }

  assert {
    condition = alltrue([for env, other in { staging = "production", production = "staging" } : alltrue([for st in flatten([for p in values(output.deploy_policy_jsons[env]) : jsondecode(p).Statement]) : (
      st.Effect == "Deny" || !strcontains(jsonencode(try(st.Resource, [])), "platform-${other}") ||
      (env == "production" && st.Sid == "PullPromotedImages" && toset(try(st.Action, [])) == toset(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer"]))
    )])])
    error_message = "no deploy role is allowed anything on the other environment's named resources, but production reading staging's images (promotion)"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : anytrue([for st in jsondecode(output.deploy_policy_jsons[env].services).Statement : (
      st.Sid == "NeverAnotherEnvironmentsResources" && st.Effect == "Deny" && try(st.Resource, []) == ["*"] &&
      try(st.Condition, {}) == { StringNotEquals = { "aws:ResourceTag/Environment" = env }, Null = { "aws:ResourceTag/Environment" = "false" } } &&
      alltrue([for a in ["ec2:Delete*", "ec2:Authorize*", "elasticloadbalancing:Modify*", "mq:*", "kms:*", "cloudfront:Update*", "secretsmanager:*", "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"] : contains(try(st.Action, []), a)]) &&
      # re-tagging would lift the deny: the tag actions of what is allowed on "*" are in it too
      alltrue([for a in ["ec2:Create*", "ec2:Delete*", "elasticloadbalancing:Add*", "elasticloadbalancing:Remove*", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate", "application-autoscaling:TagResource", "application-autoscaling:UntagResource", "cloudfront:TagResource", "cloudfront:UntagResource"] : contains(try(st.Action, []), a)])
    )])])
    error_message = "what AWS names (VPC parts, load balancers, brokers, keys, distributions, autoscaling's alarms) is denied to a deploy role when it carries another environment's tag, and so is taking that tag off or changing it"
  }

  assert {
    condition = alltrue([for env, ps in output.deploy_policy_jsons : anytrue([for st in jsondecode(ps.data).Statement : (
      st.Effect == "Deny" && try(st.Resource, []) == [var.state_kms_key_arn, "arn:aws:kms:eu-west-1:123456789012:alias/platform-tfstate"] &&
      toset(try(st.NotAction, [])) == toset(["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"])
    )])])
    error_message = "deploy uses the state's key and can neither delete it nor change its policy or alias"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : [for st in jsondecode(output.deploy_policy_jsons[env].deployments).Statement : st] == [{
      Sid      = "SteerOwnDeployments"
      Effect   = "Allow"
      Action   = ["ecs:ContinueServiceDeployment", "ecs:StopServiceDeployment"]
      Resource = ["arn:aws:ecs:eu-west-1:123456789012:service-deployment/platform-${env}/*"]
    }]])
    error_message = "each deploy role continues or rolls back its own environment's service deployments only (blue/green)"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : [for st in jsondecode(output.deploy_policy_jsons[env].data).Statement : st.Resource if st.Sid == "OwnMonitoring"] == [[
      "arn:aws:budgets::123456789012:budget/platform-${env}-*",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:platform-${env}-*",
      "arn:aws:cloudwatch::123456789012:dashboard/platform-${env}",
      "arn:aws:scheduler:eu-west-1:123456789012:schedule/default/platform-${env}-*",
      "arn:aws:sns:eu-west-1:123456789012:platform-${env}-*",
    ]]])
    error_message = "each deploy role manages its own environment's alarm topic, budget, alarms' tags, dashboard and DocumentDB schedules only"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : [for st in jsondecode(output.deploy_policy_jsons[env].services).Statement : st.Resource if st.Sid == "OwnFirewall"] == [[
      "arn:aws:wafv2:us-east-1:123456789012:global/webacl/platform-${env}/*",
      "arn:aws:wafv2:us-east-1:123456789012:global/managedruleset/*/*",
    ]]])
    error_message = "each deploy role manages its own environment's edge web ACL only (and reads AWS's managed rule groups)"
  }

  assert {
    condition = [for st in jsondecode(output.deploy_policy_jsons.staging.services).Statement : st if contains(try(st.Action, []), "ecr:SetRepositoryPolicy") || contains(try(st.Action, []), "ecr:DeleteRepositoryPolicy")] == [{
      Sid      = "PreviewRepositoryPolicies"
      Effect   = "Allow"
      Action   = ["ecr:DeleteRepositoryPolicy", "ecr:SetRepositoryPolicy"]
      Resource = ["arn:aws:ecr:eu-west-1:123456789012:repository/platform-staging/pr*/*"]
    }] && !strcontains(output.deploy_policy_jsons.production.services, "SetRepositoryPolicy")
    error_message = "repository policies only for the previews' own repositories, by the preview environment's role only"
  }

  assert {
    condition     = alltrue([for env, ps in output.deploy_policy_jsons : alltrue([for p in values(ps) : length(p) < 6144])])
    error_message = "each deploy policy fits IAM's 6,144 characters of a managed policy"
  }

  assert {
    condition     = alltrue([for env, ps in output.deploy_policy_jsons : length(ps) <= 10])
    error_message = "each deploy role's managed policies fit IAM's 10 attached policies per role"
  }
}

run "the_boundary_holds_no_iam_and_no_other_workload" {
  command = apply
  module {
    source = "../modules/iam-policies"
  }

  assert {
    condition = alltrue(flatten([for st in jsondecode(output.boundary_policy_json).Statement : [
      for a in st.Action : st.Effect == "Allow" && !can(regex("^((iam|sts|organizations|lambda|ssm|s3):|kms:(Create|Put|Schedule|Encrypt))", a)) && !can(regex("\\*", a))
    ]]))
    error_message = "no stack role can ever use IAM, STS, Lambda, SSM commands or S3, or administer a key, whatever policy it is given"
  }

  assert {
    condition     = toset(one([for st in jsondecode(output.boundary_policy_json).Statement : st.Resource if contains(st.Action, "secretsmanager:GetSecretValue")])) == toset(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-*", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!*"])
    error_message = "stack roles may read the stack's secrets and the database's managed password, no other secret"
  }
}

run "the_bucket_keeps_the_plan_role_to_the_secret_free_states" {
  command = apply
  module {
    source = "../modules/iam-policies"
  }

  assert {
    condition = anytrue([for st in jsondecode(output.state_bucket_policy_json).Statement : (
      st.Effect == "Deny" && toset(st.Action) == toset(["s3:GetObject", "s3:GetObjectVersion"]) &&
      try(st.NotResource, []) == ["arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/platform/*"] &&
      st.Condition == { ArnEquals = { "aws:PrincipalArn" = "arn:aws:iam::123456789012:role/platform-github-plan" } }
    )])
    error_message = "the bucket denies the plan role every object but the secret-free states, even if a broader policy were attached to it"
  }

  assert {
    condition = anytrue([for st in jsondecode(output.state_bucket_policy_json).Statement : (
      st.Effect == "Deny" && toset(st.Action) == toset(["s3:Delete*", "s3:Put*"]) &&
      st.Condition == { ArnEquals = { "aws:PrincipalArn" = "arn:aws:iam::123456789012:role/platform-github-plan" } }
    )])
    error_message = "the bucket denies the plan role every write: PR plans never take a state lock"
  }
}

run "each_environment_has_its_own_states" {
  command = apply
  module {
    source = "../modules/iam-policies"
  }
  variables {
    environments        = ["staging", "qa", "production"]
    preview_environment = "staging"
  }

  assert {
    condition = output.state_objects == {
      staging    = ["platform/staging.tfstate", "platform/staging.tfstate.tflock", "credentials/staging.tfstate", "credentials/staging.tfstate.tflock", "previews/*"]
      qa         = ["platform/qa.tfstate", "platform/qa.tfstate.tflock", "credentials/qa.tfstate", "credentials/qa.tfstate.tflock"]
      production = ["platform/production.tfstate", "platform/production.tfstate.tflock", "credentials/production.tfstate", "credentials/production.tfstate.tflock"]
    }
    error_message = "each environment's role has its own state keys; only the preview environment's has previews/*"
  }

  assert {
    condition     = alltrue([for env, keys in output.state_objects : alltrue([for other, theirs in output.state_objects : other == env || length(setintersection(keys, theirs)) == 0])])
    error_message = "no two environments share a state key"
  }

  assert {
    condition     = output.deploy_role_names == { staging = "platform-deploy-staging", qa = "platform-deploy-qa", production = "platform-deploy-production" }
    error_message = "deploy roles named <name>-deploy-<env>"
  }
}

run "an_approved_managed_policy_is_attachable_only_with_the_boundary" {
  command = apply
  module {
    source = "../modules/iam-policies"
  }
  variables {
    attachable_policy_arns = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
  }

  assert {
    condition = alltrue([for env, ps in output.deploy_policy_jsons : [for st in jsondecode(ps.iam).Statement : st.Condition if contains(st.Action, "iam:AttachRolePolicy")] == [{
      ArnEquals    = { "iam:PolicyARN" = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"] }
      StringEquals = { "iam:PermissionsBoundary" = "arn:aws:iam::123456789012:policy/platform-stack-boundary" }
    }]])
    error_message = "an approved policy is attachable, to a role that carries the boundary, and no other policy"
  }
}

run "administrator_policies_are_never_attachable" {
  command = plan
  module {
    source = "../modules/iam-policies"
  }
  variables {
    attachable_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
  }
  expect_failures = [var.attachable_policy_arns]
}

# The ECS broker (broker = "ecs", modules/broker): what it adds to the roles, and no more.
run "the_ecs_broker_is_within_reach_of_its_own_environment_only" {
  command = apply
  module {
    source = "../modules/iam-policies"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : alltrue([
      for st in jsondecode(output.deploy_policy_jsons[env].broker).Statement : st.Effect == "Allow" && alltrue([
        for a in st.Action : startswith(a, "elasticfilesystem:") || startswith(a, "servicediscovery:")
        ]) && !anytrue([for a in st.Action : contains(["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess", "servicediscovery:DiscoverInstances", "servicediscovery:RegisterInstance"], a)]) && alltrue([
        for r in st.Resource : can(regex("^arn:aws:(elasticfilesystem:eu-west-1:123456789012:(file-system|access-point)/\\*|servicediscovery:eu-west-1:123456789012:(namespace|service)/\\*)$", r)) || (r == "*" && alltrue([for a in st.Action : contains(["servicediscovery:CreatePrivateDnsNamespace", "servicediscovery:GetOperation", "servicediscovery:ListNamespaces"], a)]))
      ])
    ])])
    error_message = "the broker policy manages EFS and Cloud Map resources of this account and region only (no data access: no mount, no instance discovery or registration); \"*\" only for the calls that take no resource"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : length([
      for st in jsondecode(output.deploy_policy_jsons[env].services).Statement : st
      if try(st.Sid, "") == "NeverAnotherEnvironmentsResources" && st.Effect == "Deny" && contains(st.Action, "elasticfilesystem:*") && contains(st.Action, "servicediscovery:*") && try(st.Condition.StringNotEquals["aws:ResourceTag/Environment"], null) == env
    ]) == 1])
    error_message = "another environment's file system, namespace or discovery service (AWS names them: fs-..., ns-...) is denied to each environment's role by its Environment tag"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : anytrue([
      for st in jsondecode(output.deploy_policy_jsons[env].services).Statement : try(st.Sid, "") == "OwnImages" && contains(st.Resource, "arn:aws:ecr:eu-west-1:123456789012:repository/platform-${env}-rmq/*")
    ])])
    error_message = "each environment's role manages its own broker image cache (<prefix>-rmq/*)"
  }

  assert {
    condition = [for st in jsondecode(output.boundary_policy_json).Statement : st if anytrue([for a in st.Action : startswith(a, "elasticfilesystem:")])] == [{
      Sid      = "MountBrokerFileSystem"
      Effect   = "Allow"
      Action   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
      Resource = ["arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/*"]
    }]
    error_message = "a stack role may at most mount and write a file system (the broker's task role; no root access, no management)"
  }

  assert {
    condition = alltrue(flatten([for st in jsondecode(output.plan_policy_json).Statement : [
      for a in st.Action : !startswith(a, "elasticfilesystem:") || can(regex("^elasticfilesystem:(Describe|List)", a))
    ]])) && length([for st in jsondecode(output.plan_policy_json).Statement : st if contains(st.Action, "elasticfilesystem:DescribeFileSystems") && contains(st.Action, "servicediscovery:GetNamespace")]) == 1
    error_message = "the plan role reads the broker's file system and discovery metadata, and nothing of its data"
  }
}

# The edge firewall's request log (modules/edge/waf.tf, us-east-1): its logging configuration, log
# group and key are each environment's own; what has no resource (log delivery, CloudWatch Logs'
# account-level resource policies) is exactly that, and the plan role only reads.
run "the_edge_firewall_log_is_each_environments_own" {
  command = apply
  module {
    source = "../modules/iam-policies"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : (
      length([for st in jsondecode(output.deploy_policy_jsons[env].services).Statement : st if(
        st.Sid == "OwnFirewall" &&
        alltrue([for a in ["wafv2:PutLoggingConfiguration", "wafv2:GetLoggingConfiguration", "wafv2:DeleteLoggingConfiguration"] : contains(st.Action, a)]) &&
        st.Resource == ["arn:aws:wafv2:us-east-1:123456789012:global/webacl/platform-${env}/*", "arn:aws:wafv2:us-east-1:123456789012:global/managedruleset/*/*"]
      )]) == 1 &&
      length([for st in flatten([for p in values(output.deploy_policy_jsons[env]) : jsondecode(p).Statement]) : st if st.Effect == "Allow" && anytrue([for a in try(st.Action, []) : strcontains(a, "LoggingConfiguration")])]) == 1
    )])
    error_message = "each deploy role sets, reads and removes the logging configuration of its own environment's web ACL only"
  }

  assert {
    condition = alltrue([for env, other in { staging = "production", production = "staging" } : (
      length([for st in jsondecode(output.deploy_policy_jsons[env].data).Statement : st if st.Sid == "OwnLogGroups" && contains(st.Resource, "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-platform-${env}") && contains(st.Resource, "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-platform-${env}:*")]) == 1 &&
      !strcontains(output.deploy_policy_jsons[env].data, "aws-waf-logs-platform-${other}") && !strcontains(output.deploy_policy_jsons[env].data, "aws-waf-logs-*")
    )])
    error_message = "each deploy role manages its own environment's firewall log group (aws-waf-logs-<name>-<env>, by its exact name), no other's"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : length([for st in jsondecode(output.deploy_policy_jsons[env].data).Statement : st if(
      st.Sid == "Keys" && contains(st.Resource, "arn:aws:kms:us-east-1:123456789012:key/*") && contains(st.Resource, "arn:aws:kms:us-east-1:123456789012:alias/platform-${env}-waf-logs") &&
      alltrue([for r in st.Resource : can(regex("^arn:aws:kms:(eu-west-1|us-east-1):123456789012:(key/\\*|alias/platform-${env}(-waf-logs)?)$", r))])
    )]) == 1])
    error_message = "each deploy role manages the keys of its region and of us-east-1 (another environment's are denied by their Environment tag) and its own aliases only"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : (
      [for st in jsondecode(output.deploy_policy_jsons[env].data).Statement : st if contains(["FirewallLogDelivery", "FirewallLogResourcePolicy"], try(st.Sid, ""))] == [
        { Sid = "FirewallLogDelivery", Effect = "Allow", Action = ["logs:CreateLogDelivery", "logs:DeleteLogDelivery"], Resource = ["*"] },
        {
          Sid       = "FirewallLogResourcePolicy"
          Effect    = "Allow"
          Action    = ["logs:DeleteResourcePolicy", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy"]
          Resource  = ["*"]
          Condition = { StringEquals = { "aws:RequestedRegion" = "us-east-1" } }
        },
      ] &&
      length([for st in flatten([for p in values(output.deploy_policy_jsons[env]) : jsondecode(p).Statement]) : st if st.Effect == "Allow" && anytrue([for a in try(st.Action, []) : can(regex("^logs:(\\*|.*ResourcePolicy.*|.*LogDelivery.*)$", a))])]) == 2
    )])
    error_message = "what has no resource ARN (WAF's log delivery, CloudWatch Logs' account-level resource policies) is allowed exactly so, the resource policies in us-east-1 only"
  }

  assert {
    condition = (
      length([for st in jsondecode(output.plan_policy_json).Statement : st if contains(st.Action, "wafv2:GetLoggingConfiguration") && contains(st.Resource, "arn:aws:wafv2:us-east-1:123456789012:global/webacl/platform-*/*") && contains(st.Resource, "arn:aws:kms:us-east-1:123456789012:key/*")]) == 1 &&
      length([for st in jsondecode(output.plan_policy_json).Statement : st if contains(st.Action, "logs:ListTagsForResource") && contains(st.Resource, "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-platform-*")]) == 1 &&
      length([for st in jsondecode(output.plan_policy_json).Statement : st if contains(st.Action, "logs:DescribeResourcePolicies") && st.Resource == ["*"]]) == 1
    )
    error_message = "the plan role reads the firewall's logging configuration, log group, key and the resource policies (the generic assertions keep it to reads)"
  }
}
