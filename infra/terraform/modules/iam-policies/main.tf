# The IAM documents of the roles GitHub's workflows assume (plan: pull requests; deploy: one per
# environment, trusted by that GitHub environment), of the permissions boundary every role of the
# stacks carries, and of the state bucket. Written as plain Terraform values, not aws_iam_policy_document data sources: the
# tests read the exact JSON, and check.sh renders it for parliament without any provider.
#
# Naming contract: every resource of a stack is named <name>-<environment>..., the GitHub roles
# <name>-github-plan and <name>-deploy-<environment> (or, kept from a bootstrap before
# environments, <name>-github-deploy), the boundary <name>-stack-boundary. The root stack refuses
# environments "github" and "deploy", so no stack role is ever named like a GitHub role.

locals {
  arn     = "arn:${var.partition}"
  account = var.account_id
  region  = var.region

  bucket_arn       = "${local.arn}:s3:::${var.state_bucket}"
  github_roles     = ["${local.arn}:iam::${local.account}:role/${var.name}-github-*", "${local.arn}:iam::${local.account}:role/${var.name}-deploy-*"]
  plan_role_arn    = "${local.arn}:iam::${local.account}:role/${var.name}-github-plan"
  stack_roles      = "${local.arn}:iam::${local.account}:role/${var.name}-*"
  boundary_name    = "${var.name}-stack-boundary"
  boundary_arn     = "${local.arn}:iam::${local.account}:policy/${local.boundary_name}"
  stack_secrets    = "${local.arn}:secretsmanager:${local.region}:${local.account}:secret:${var.name}-*"
  database_secrets = "${local.arn}:secretsmanager:${local.region}:${local.account}:secret:rds!*"
  kms_keys         = "${local.arn}:kms:${local.region}:${local.account}:key/*"
  state_alias      = "${local.arn}:kms:${local.region}:${local.account}:alias/${var.name}-tfstate"
  ecs              = "${local.arn}:ecs:${local.region}:${local.account}"
  rds              = "${local.arn}:rds:${local.region}:${local.account}"
  logs             = "${local.arn}:logs:${local.region}:${local.account}:log-group"
  # The edge firewall's request log (modules/edge/waf.tf): a CloudFront web ACL logs in us-east-1,
  # to a log group named aws-waf-logs-<name>-<environment> (WAF wants the prefix), encrypted with a
  # key of its own there.
  firewall_logs     = "${local.arn}:logs:us-east-1:${local.account}:log-group:aws-waf-logs-"
  firewall_kms_keys = "${local.arn}:kms:us-east-1:${local.account}:key/*"
  # The ECS broker's (modules/broker): EFS and Cloud Map name these resources themselves (fs-...,
  # fsap-..., ns-..., srv-...).
  efs_resources = [
    "${local.arn}:elasticfilesystem:${local.region}:${local.account}:file-system/*",
    "${local.arn}:elasticfilesystem:${local.region}:${local.account}:access-point/*",
  ]
  cloud_map_resources = [
    "${local.arn}:servicediscovery:${local.region}:${local.account}:namespace/*",
    "${local.arn}:servicediscovery:${local.region}:${local.account}:service/*",
  ]

  # The stack's log groups: services and ECS Exec, VPC flow logs, DocumentDB's audit and profiler
  # logs (created by Terraform before the cluster), the broker's general log (created by Amazon MQ
  # under its broker id, which only exists once the broker does).
  stack_log_groups = flatten([
    for group in ["/ecs/${var.name}-*", "/vpc/${var.name}-*", "/aws/docdb/${var.name}-*", "/aws/amazonmq/broker/*"] :
    ["${local.logs}:${group}", "${local.logs}:${group}:*"]
  ])

  # --- plan: pull requests -----------------------------------------------------------------------
  # What `terraform plan -lock=false` of the root stack reads: its state (no secret value in it),
  # the data sources, and the metadata of every resource it refreshes. No write of any kind, no
  # secret value (no secretsmanager:GetSecretValue, no kms:Decrypt but of the state through S3),
  # no object of any other bucket, no log event.
  plan_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListStateBucket"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [local.bucket_arn]
      },
      {
        Sid      = "ReadSecretFreeStates"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${local.bucket_arn}/${var.plan_state_prefix}*"]
      },
      {
        Sid       = "DecryptStateThroughS3"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = [var.state_kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = "s3.${local.region}.amazonaws.com" } }
      },
      {
        Sid    = "DescribeWhatHasNoResourceArn"
        Effect = "Allow"
        Action = [
          "application-autoscaling:DescribeScalableTargets",
          "application-autoscaling:DescribeScalingPolicies",
          "application-autoscaling:DescribeScheduledActions",
          "ecr:DescribePullThroughCacheRules",
          "ec2:DescribeAvailabilityZones",
          "ec2:DescribeFlowLogs",
          "ec2:DescribeInternetGateways",
          "ec2:DescribeManagedPrefixLists",
          "ec2:DescribeNetworkAcls",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribePrefixLists",
          "ec2:DescribeRouteTables",
          "ec2:DescribeSecurityGroupRules",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSubnets",
          "ec2:DescribeTags",
          "ec2:DescribeVpcEndpoints",
          "ec2:DescribeVpcs",
          "ecs:DescribeTaskDefinition",
          "elasticloadbalancing:DescribeCapacityReservation",
          "elasticloadbalancing:DescribeListenerAttributes",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeLoadBalancerAttributes",
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeRules",
          "elasticloadbalancing:DescribeTags",
          "elasticloadbalancing:DescribeTargetGroupAttributes",
          "elasticloadbalancing:DescribeTargetGroups",
          "kms:ListAliases",
          "logs:DescribeLogGroups",
          "logs:DescribeQueryDefinitions",
          "logs:DescribeResourcePolicies",
          "sns:GetSubscriptionAttributes",
        ]
        # These Describe and List calls take no resource ARN; none of them returns a secret value.
        Resource = ["*"]
      },
      {
        Sid    = "DescribeStackResources"
        Effect = "Allow"
        Action = [
          "application-autoscaling:ListTagsForResource",
          "budgets:ListTagsForResource",
          "budgets:ViewBudget",
          # with the alarms' names, as the provider refreshes them: an alarm ARN per name
          "cloudwatch:DescribeAlarms",
          "cloudwatch:GetDashboard",
          "cloudwatch:ListTagsForResource",
          "ec2:DescribeVpcAttribute",
          "ecr:DescribeRepositories",
          "ecr:GetLifecyclePolicy",
          "ecr:GetRepositoryPolicy",
          "ecr:ListTagsForResource",
          "ecs:DescribeClusters",
          "ecs:DescribeServices",
          "ecs:ListTagsForResource",
          "logs:ListTagsForResource",
          "logs:ListTagsLogGroup",
          "rds:DescribeDBClusterParameterGroups",
          "rds:DescribeDBClusterParameters",
          "rds:DescribeDBClusters",
          "rds:DescribeDBInstances",
          "rds:DescribeDBSubnetGroups",
          "rds:DescribeGlobalClusters",
          "rds:ListTagsForResource",
          "scheduler:GetSchedule",
          "sns:GetTopicAttributes",
          "sns:ListTagsForResource",
        ]
        Resource = concat(
          [
            "${local.arn}:application-autoscaling:${local.region}:${local.account}:scalable-target/*",
            "${local.arn}:budgets::${local.account}:budget/${var.name}-*",
            "${local.arn}:cloudwatch:${local.region}:${local.account}:alarm:${var.name}-*",
            "${local.arn}:cloudwatch::${local.account}:dashboard/${var.name}-*",
            "${local.arn}:scheduler:${local.region}:${local.account}:schedule/default/${var.name}-*",
            "${local.arn}:sns:${local.region}:${local.account}:${var.name}-*",
            "${local.arn}:ec2:${local.region}:${local.account}:vpc/*",
            "${local.arn}:rds::${local.account}:global-cluster:*",
            "${local.arn}:ecr:${local.region}:${local.account}:repository/${var.name}-*",
            "${local.ecs}:cluster/${var.name}-*",
            "${local.ecs}:service/${var.name}-*/*",
            "${local.ecs}:task-definition/${var.name}-*:*",
            "${local.rds}:cluster:${var.name}-*",
            "${local.rds}:cluster-pg:${var.name}-*",
            "${local.rds}:db:${var.name}-*",
            "${local.rds}:subgrp:${var.name}-*",
          ],
          local.stack_log_groups,
          ["${local.firewall_logs}${var.name}-*", "${local.firewall_logs}${var.name}-*:*"],
        )
      },
      {
        # Resources whose names the stack does not choose: keys, the edge (CloudFront is global, its
        # certificate and web ACL in us-east-1), DNS, the AWS-managed prefix lists. Their metadata only.
        Sid    = "DescribeAccountResources"
        Effect = "Allow"
        Action = [
          "acm:DescribeCertificate",
          "acm:ListTagsForCertificate",
          "cloudfront:GetDistribution",
          "cloudfront:GetResponseHeadersPolicy",
          "cloudfront:GetVpcOrigin",
          "cloudfront:ListTagsForResource",
          "ec2:GetManagedPrefixListEntries",
          "ecs:DescribeCapacityProviders",
          "kms:DescribeKey",
          "kms:GetKeyPolicy",
          "kms:GetKeyRotationStatus",
          "kms:ListResourceTags",
          "route53:GetChange",
          "route53:GetHostedZone",
          "route53:ListResourceRecordSets",
          "wafv2:GetLoggingConfiguration",
          "wafv2:GetWebACL",
          "wafv2:ListTagsForResource",
        ]
        Resource = distinct([
          "${local.arn}:acm:*:${local.account}:certificate/*",
          "${local.arn}:cloudfront::${local.account}:distribution/*",
          "${local.arn}:cloudfront::${local.account}:response-headers-policy/*",
          "${local.arn}:cloudfront::${local.account}:vpcorigin/*",
          "${local.arn}:ec2:${local.region}:*:prefix-list/*",
          "${local.ecs}:capacity-provider/*",
          local.kms_keys,
          local.firewall_kms_keys,
          "${local.arn}:route53:::change/*",
          "${local.arn}:route53:::hostedzone/*",
          "${local.arn}:wafv2:us-east-1:${local.account}:global/webacl/${var.name}-*/*",
        ])
      },
      {
        # The ECS broker's file system and DNS discovery (broker = "ecs"): their metadata only, no
        # data (no ClientMount, no DiscoverInstances).
        Sid    = "DescribeBrokerStorageAndDiscovery"
        Effect = "Allow"
        Action = [
          "elasticfilesystem:DescribeAccessPoints",
          "elasticfilesystem:DescribeBackupPolicy",
          "elasticfilesystem:DescribeFileSystemPolicy",
          "elasticfilesystem:DescribeFileSystems",
          "elasticfilesystem:DescribeLifecycleConfiguration",
          "elasticfilesystem:DescribeMountTargetSecurityGroups",
          "elasticfilesystem:DescribeMountTargets",
          "elasticfilesystem:ListTagsForResource",
          "servicediscovery:GetNamespace",
          "servicediscovery:GetService",
        ]
        Resource = concat(local.efs_resources, local.cloud_map_resources)
      },
      {
        # Apart: parliament 1.6.4 takes this action for one without a resource (iam-lint.mjs).
        Sid      = "DescribeBrokerDiscoveryTags"
        Effect   = "Allow"
        Action   = ["servicediscovery:ListTagsForResource"]
        Resource = local.cloud_map_resources
      },
      {
        Sid      = "ReadStackRoles"
        Effect   = "Allow"
        Action   = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"]
        Resource = [local.stack_roles]
      },
      {
        Sid      = "DescribeStackSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"]
        Resource = [local.stack_secrets]
      },
    ]
  }

  # --- deploy: one role per environment ----------------------------------------------------------
  # Each environment's role reaches its own states and the resources named after its own prefix
  # (<name>-<environment>: the ECS cluster, services, task definitions, ECR repositories,
  # DocumentDB, secrets, log groups, roles, the key alias; the alarm topic, alarms, dashboard,
  # budget, DocumentDB schedules and blue/green service deployments). What AWS names itself (VPC
  # parts, load balancers, brokers, keys, CloudFront, certificates, scalable targets, the alarms of
  # target tracking) cannot be told apart by ARN: every environment's role is denied changing or
  # using such a resource that carries another environment's Environment tag (the stack tags
  # everything it creates with it), re-tagging it included. Left to every role alike, having
  # neither an ARN of its own nor a tag: the alarm email's subscription, the pull-through cache
  # rules and the saved queries (no code, no data, no credentials behind any of them).
  deploy_roles = { for env in var.environments : env => lookup(var.deploy_role_names, env, "${var.name}-deploy-${env}") }
  prefixes     = { for env in var.environments : env => "${var.name}-${env}" }

  # The state objects (and their S3-native lock files) each role may read and write: its own
  # platform/ and credentials/ states; the preview environment's also every previews/ state.
  state_objects = {
    for env in var.environments : env => concat(
      flatten([for stack in ["platform", "credentials"] : ["${stack}/${env}.tfstate", "${stack}/${env}.tfstate.tflock"]]),
      env == var.preview_environment ? ["previews/*"] : [],
    )
  }

  # Environments in promotion order: each one's role may pull the images of the one before it
  # (production copies staging's images, same digests, into its own repositories).
  promoted_from = { for i, env in var.environments : env => i == 0 ? null : var.environments[i - 1] }

  # Changes to resources named by AWS, denied when the resource belongs to another environment.
  other_environments_actions = [
    "acm:AddTagsToCertificate",
    "acm:Delete*",
    "acm:RemoveTagsFromCertificate",
    "acm:Update*",
    "application-autoscaling:Delete*",
    "application-autoscaling:Deregister*",
    "application-autoscaling:Put*",
    "application-autoscaling:Register*",
    "application-autoscaling:TagResource",
    "application-autoscaling:UntagResource",
    "cloudfront:Delete*",
    "cloudfront:TagResource",
    "cloudfront:UntagResource",
    "cloudfront:Update*",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:PutMetricAlarm",
    "ec2:Associate*",
    "ec2:Attach*",
    "ec2:Authorize*",
    "ec2:Create*",
    "ec2:Delete*",
    "ec2:Detach*",
    "ec2:Disassociate*",
    "ec2:Modify*",
    "ec2:Replace*",
    "ec2:Revoke*",
    "elasticloadbalancing:Add*",
    "elasticloadbalancing:Create*",
    "elasticloadbalancing:Delete*",
    "elasticloadbalancing:Deregister*",
    "elasticloadbalancing:Modify*",
    "elasticloadbalancing:Register*",
    "elasticloadbalancing:Remove*",
    "elasticloadbalancing:Set*",
    "elasticfilesystem:*",
    "kms:*",
    "mq:*",
    "secretsmanager:*",
    "servicediscovery:*",
  ]

  deploy_state_policies = {
    for env in var.environments : env => {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "ListStateBucket"
          Effect   = "Allow"
          Action   = ["s3:ListBucket"]
          Resource = [local.bucket_arn]
        },
        {
          Sid      = "ReadAndWriteOwnStatesAndLocks"
          Effect   = "Allow"
          Action   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
          Resource = [for key in local.state_objects[env] : "${local.bucket_arn}/${key}"]
        },
        {
          Sid      = "StateEncryption"
          Effect   = "Allow"
          Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
          Resource = [var.state_kms_key_arn]
        },
      ]
    }
  }

  # The services the stack is made of, and nothing else (no Lambda, no SSM commands, no EC2
  # instances, no sts:AssumeRole: none of the ways to act as another principal). Where a service
  # can reach other workloads' code or data (ECS tasks and their roles, ECR images, databases,
  # secrets, keys, log groups), only the environment's own resources.
  deploy_services_policies = {
    for env in var.environments : env => {
      Version = "2012-10-17"
      Statement = concat([
        {
          Sid    = "Network"
          Effect = "Allow"
          Action = [
            "ec2:AssociateRouteTable",
            "ec2:AttachInternetGateway",
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:CreateFlowLogs",
            "ec2:CreateInternetGateway",
            # EFS creates its mount targets' network interfaces with the caller's rights
            "ec2:CreateNetworkInterface",
            "ec2:CreateRoute",
            "ec2:CreateRouteTable",
            "ec2:CreateSecurityGroup",
            "ec2:CreateSubnet",
            "ec2:CreateTags",
            "ec2:CreateVpc",
            "ec2:CreateVpcEndpoint",
            "ec2:DeleteFlowLogs",
            "ec2:DeleteInternetGateway",
            "ec2:DeleteNetworkInterface",
            "ec2:DeleteRoute",
            "ec2:DeleteRouteTable",
            "ec2:DeleteSecurityGroup",
            "ec2:DeleteSubnet",
            "ec2:DeleteTags",
            "ec2:DeleteVpc",
            "ec2:DeleteVpcEndpoints",
            "ec2:Describe*",
            "ec2:DetachInternetGateway",
            "ec2:DisassociateRouteTable",
            "ec2:GetManagedPrefixListEntries",
            "ec2:ModifySecurityGroupRules",
            "ec2:ModifySubnetAttribute",
            "ec2:ModifyVpcAttribute",
            "ec2:ModifyVpcEndpoint",
            "ec2:ReplaceRoute",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
            "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
          ]
          Resource = ["*"]
        },
        {
          Sid    = "EdgeAndBalancing"
          Effect = "Allow"
          Action = [
            "acm:*",
            "application-autoscaling:*",
            "cloudfront:*",
            "cloudwatch:DeleteAlarms",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:PutMetricAlarm",
            "elasticloadbalancing:*",
            "mq:*",
            "route53:*",
          ]
          Resource = ["*"]
        },
        {
          # The edge's web ACL (CloudFront's scope lives in us-east-1), named after the environment,
          # and its logging configuration; AWS's managed rule groups it refers to.
          Sid    = "OwnFirewall"
          Effect = "Allow"
          Action = [
            "wafv2:CreateWebACL",
            "wafv2:DeleteLoggingConfiguration",
            "wafv2:DeleteWebACL",
            "wafv2:GetLoggingConfiguration",
            "wafv2:GetWebACL",
            "wafv2:ListTagsForResource",
            "wafv2:PutLoggingConfiguration",
            "wafv2:TagResource",
            "wafv2:UntagResource",
            "wafv2:UpdateWebACL",
          ]
          Resource = [
            "${local.arn}:wafv2:us-east-1:${local.account}:global/webacl/${local.prefixes[env]}/*",
            "${local.arn}:wafv2:us-east-1:${local.account}:global/managedruleset/*/*",
          ]
        },
        {
          Sid    = "EcsAccountWide"
          Effect = "Allow"
          Action = [
            "ecr:GetAuthorizationToken",
            "ecs:DeregisterTaskDefinition",
            "ecs:Describe*",
            "ecs:List*",
            "ecs:RegisterTaskDefinition",
            # the tracing collector's pull-through cache rule (<prefix>-pub) and the saved queries
            # (<prefix>/...) have no ARN of their own
            "ecr:*PullThroughCacheRule*",
            "logs:*QueryDefinition*",
            "logs:DescribeLogGroups",
            "rds:Describe*",
            # a subscription (the alarm email's) has no resource-level permissions
            "sns:GetSubscriptionAttributes",
            "sns:SetSubscriptionAttributes",
            "sns:Unsubscribe",
          ]
          Resource = ["*"]
        },
        {
          # Pushing an image into another workload's repository, or starting another workload's
          # task definition, would run code with that workload's role: the environment's own only.
          Sid    = "OwnImages"
          Effect = "Allow"
          Action = [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchDeleteImage",
            "ecr:BatchGetImage",
            "ecr:CompleteLayerUpload",
            "ecr:CreateRepository",
            "ecr:DeleteLifecyclePolicy",
            "ecr:DeleteRepository",
            "ecr:DescribeImages",
            "ecr:DescribeRepositories",
            "ecr:GetDownloadUrlForLayer",
            "ecr:GetLifecyclePolicy",
            "ecr:GetRepositoryPolicy",
            "ecr:InitiateLayerUpload",
            "ecr:ListImages",
            "ecr:ListTagsForResource",
            "ecr:PutImage",
            "ecr:PutImageScanningConfiguration",
            "ecr:PutImageTagMutability",
            "ecr:PutLifecyclePolicy",
            "ecr:TagResource",
            "ecr:UntagResource",
            "ecr:UploadLayerPart",
          ]
          # <prefix>-pub/* and <prefix>-rmq/*: the tracing collector's and the ECS broker's
          # repositories, filled through the pull-through cache
          Resource = [for p in ["", "-pub", "-rmq"] : "${local.arn}:ecr:${local.region}:${local.account}:repository/${local.prefixes[env]}${p}/*"]
        },
        {
          Sid    = "OwnTasks"
          Effect = "Allow"
          Action = [
            "ecs:CreateCluster",
            "ecs:CreateService",
            "ecs:DeleteCluster",
            "ecs:DeleteService",
            "ecs:ExecuteCommand",
            "ecs:PutClusterCapacityProviders",
            "ecs:RunTask",
            "ecs:StartTask",
            "ecs:StopTask",
            "ecs:TagResource",
            "ecs:UntagResource",
            "ecs:UpdateCluster",
            "ecs:UpdateClusterSettings",
            "ecs:UpdateService",
          ]
          Resource = [
            "${local.ecs}:cluster/${local.prefixes[env]}",
            "${local.ecs}:service/${local.prefixes[env]}/*",
            "${local.ecs}:task/${local.prefixes[env]}/*",
            "${local.ecs}:task-definition/${local.prefixes[env]}-*:*",
          ]
        },
        {
          Sid      = "NeverAnotherEnvironmentsResources"
          Effect   = "Deny"
          Action   = local.other_environments_actions
          Resource = ["*"]
          Condition = {
            StringNotEquals = { "aws:ResourceTag/Environment" = env }
            Null            = { "aws:ResourceTag/Environment" = "false" }
          }
        },
        ],
        env != var.preview_environment ? [] : [
          {
            # A pull request's preview keeps the images it builds in repositories of its own,
            # <prefix>/pr<N>/<service>, which the service's execution role may pull (a repository
            # policy): the environment's own repositories' policies stay out of reach.
            Sid      = "PreviewRepositoryPolicies"
            Effect   = "Allow"
            Action   = ["ecr:DeleteRepositoryPolicy", "ecr:SetRepositoryPolicy"]
            Resource = ["${local.arn}:ecr:${local.region}:${local.account}:repository/${local.prefixes[env]}/pr*/*"]
          },
        ],
        local.promoted_from[env] == null ? [] : [
          {
            # Promotion: the previous environment's images, read only, copied with their digests.
            Sid      = "PullPromotedImages"
            Effect   = "Allow"
            Action   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer"]
            Resource = ["${local.arn}:ecr:${local.region}:${local.account}:repository/${local.prefixes[local.promoted_from[env]]}/*"]
          },
        ],
      )
    }
  }

  # The environment's data: its database, log groups, secrets and keys; and what it may never touch.
  deploy_data_policies = {
    for env in var.environments : env => {
      Version = "2012-10-17"
      Statement = [
        {
          Sid    = "OwnDatabase"
          Effect = "Allow"
          Action = [
            "rds:AddTagsToResource",
            "rds:CreateDBCluster",
            "rds:CreateDBClusterParameterGroup",
            "rds:CreateDBClusterSnapshot",
            "rds:CreateDBInstance",
            "rds:CreateDBSubnetGroup",
            "rds:DeleteDBCluster",
            "rds:DeleteDBClusterParameterGroup",
            "rds:DeleteDBInstance",
            "rds:DeleteDBSubnetGroup",
            "rds:ListTagsForResource",
            "rds:ModifyDBCluster",
            "rds:ModifyDBClusterParameterGroup",
            "rds:ModifyDBInstance",
            "rds:ModifyDBSubnetGroup",
            "rds:RebootDBInstance",
            "rds:RemoveTagsFromResource",
          ]
          Resource = [
            "${local.rds}:cluster:${local.prefixes[env]}",
            "${local.rds}:cluster-pg:${local.prefixes[env]}-*",
            "${local.rds}:cluster-snapshot:${local.prefixes[env]}-*",
            "${local.rds}:db:${local.prefixes[env]}-*",
            # CreateDBCluster is also authorized against an option group; DocumentDB uses none, and
            # none of these actions changes one.
            "${local.rds}:og:*",
            "${local.rds}:subgrp:${local.prefixes[env]}",
          ]
        },
        {
          Sid    = "OwnLogGroups"
          Effect = "Allow"
          Action = [
            "logs:AssociateKmsKey",
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:DeleteRetentionPolicy",
            "logs:DisassociateKmsKey",
            "logs:ListTagsForResource",
            "logs:ListTagsLogGroup",
            "logs:PutRetentionPolicy",
            "logs:TagLogGroup",
            "logs:TagResource",
            "logs:UntagLogGroup",
            "logs:UntagResource",
          ]
          Resource = local.own_log_groups[env]
        },
        {
          # The credentials stack reads back the versions it wrote (a refresh is a GetSecretValue).
          Sid    = "OwnSecrets"
          Effect = "Allow"
          Action = [
            "secretsmanager:CreateSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetResourcePolicy",
            "secretsmanager:GetSecretValue",
            "secretsmanager:ListSecretVersionIds",
            "secretsmanager:PutSecretValue",
            "secretsmanager:RestoreSecret",
            "secretsmanager:TagResource",
            "secretsmanager:UntagResource",
            "secretsmanager:UpdateSecret",
            "secretsmanager:UpdateSecretVersionStage",
          ]
          Resource = ["${local.arn}:secretsmanager:${local.region}:${local.account}:secret:${local.prefixes[env]}/*"]
        },
        {
          # RDS creates and rotates the database's master password secret with the caller's rights;
          # the deploy role never reads it (no GetSecretValue).
          Sid    = "DatabaseManagedSecret"
          Effect = "Allow"
          Action = [
            "secretsmanager:CreateSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:DescribeSecret",
            "secretsmanager:RotateSecret",
            "secretsmanager:TagResource",
            "secretsmanager:UntagResource",
            "secretsmanager:UpdateSecret",
          ]
          Resource = [local.database_secrets]
        },
        {
          # The alarm topic, the budget, the alarms' tags and the dashboard, DocumentDB's
          # working-hours schedules (modules/monitoring, modules/database): the environment's own only.
          Sid    = "OwnMonitoring"
          Effect = "Allow"
          Action = [
            "budgets:ListTagsForResource", "budgets:ModifyBudget", "budgets:TagResource", "budgets:UntagResource", "budgets:ViewBudget",
            "cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard", "cloudwatch:ListTagsForResource", "cloudwatch:PutDashboard", "cloudwatch:TagResource", "cloudwatch:UntagResource",
            "scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule",
            "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource", "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource", "sns:UntagResource",
          ]
          Resource = [
            "${local.arn}:budgets::${local.account}:budget/${local.prefixes[env]}-*",
            "${local.arn}:cloudwatch:${local.region}:${local.account}:alarm:${local.prefixes[env]}-*",
            # the dashboard is named <prefix> itself
            "${local.arn}:cloudwatch::${local.account}:dashboard/${local.prefixes[env]}",
            "${local.arn}:scheduler:${local.region}:${local.account}:schedule/default/${local.prefixes[env]}-*",
            "${local.arn}:sns:${local.region}:${local.account}:${local.prefixes[env]}-*",
          ]
        },
        {
          Sid      = "NewKeys"
          Effect   = "Allow"
          Action   = ["kms:CreateKey", "kms:ListAliases"]
          Resource = ["*"]
        },
        {
          Sid    = "Keys"
          Effect = "Allow"
          Action = [
            "kms:CancelKeyDeletion",
            "kms:CreateAlias",
            "kms:CreateGrant",
            "kms:Decrypt",
            "kms:DeleteAlias",
            "kms:DescribeKey",
            "kms:EnableKeyRotation",
            "kms:Encrypt",
            "kms:GenerateDataKey",
            "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus",
            "kms:ListResourceTags",
            "kms:PutKeyPolicy",
            "kms:RetireGrant",
            "kms:ScheduleKeyDeletion",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:UpdateAlias",
            "kms:UpdateKeyDescription",
          ]
          # the platform key and its alias; the firewall log's key and alias in us-east-1 (another
          # environment's keys are denied by their Environment tag: NeverAnotherEnvironmentsResources)
          Resource = distinct([
            local.kms_keys,
            "${local.arn}:kms:${local.region}:${local.account}:alias/${local.prefixes[env]}",
            local.firewall_kms_keys,
            "${local.arn}:kms:us-east-1:${local.account}:alias/${local.prefixes[env]}-waf-logs",
          ])
        },
        {
          # WAF sets up the firewall log's delivery with the caller's rights: these log-delivery
          # permissions have no resource (CloudWatch Logs' vended logs).
          Sid      = "FirewallLogDelivery"
          Effect   = "Allow"
          Action   = ["logs:CreateLogDelivery", "logs:DeleteLogDelivery"]
          Resource = ["*"]
        },
        {
          # The resource policy that lets log delivery write the firewall's log group
          # (aws_cloudwatch_log_resource_policy): an account-level policy of CloudWatch Logs, which
          # has no resource ARN; us-east-1's only.
          Sid       = "FirewallLogResourcePolicy"
          Effect    = "Allow"
          Action    = ["logs:DeleteResourcePolicy", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy"]
          Resource  = ["*"]
          Condition = { StringEquals = { "aws:RequestedRegion" = "us-east-1" } }
        },
        {
          # The state's key is one of the account's keys: the deploy role encrypts and decrypts the
          # state with it, and may do nothing else to it or its alias.
          Sid       = "NeverTheStateKey"
          Effect    = "Deny"
          NotAction = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
          Resource  = [var.state_kms_key_arn, local.state_alias]
        },
      ]
    }
  }

  # The ECS broker (broker = "ecs", modules/broker): its file system and DNS discovery. A policy of
  # its own (IAM's 6,144 characters of a managed policy). Another environment's file systems and
  # namespaces are out of reach by their Environment tag: the services policy's
  # NeverAnotherEnvironmentsResources denies elasticfilesystem:* and servicediscovery:* on them
  # (a deny in any of the role's policies wins).
  deploy_broker_policies = {
    for env in var.environments : env => {
      Version = "2012-10-17"
      Statement = [
        {
          # The ECS broker (broker = "ecs"): its file system, access point, mount targets and
          # policy, its DNS namespace (a Route 53 private zone: EdgeAndBalancing) and service. AWS
          # names them (fs-..., ns-...): another environment's are out of reach by their
          # Environment tag (the services policy denies it).
          Sid    = "BrokerStorageAndDiscovery"
          Effect = "Allow"
          Action = [
            "elasticfilesystem:CreateAccessPoint",
            "elasticfilesystem:CreateMountTarget",
            "elasticfilesystem:DeleteAccessPoint",
            "elasticfilesystem:DeleteFileSystem",
            "elasticfilesystem:DeleteFileSystemPolicy",
            "elasticfilesystem:DeleteMountTarget",
            "elasticfilesystem:DescribeAccessPoints",
            "elasticfilesystem:DescribeBackupPolicy",
            "elasticfilesystem:DescribeFileSystemPolicy",
            "elasticfilesystem:DescribeFileSystems",
            "elasticfilesystem:DescribeLifecycleConfiguration",
            "elasticfilesystem:DescribeMountTargetSecurityGroups",
            "elasticfilesystem:DescribeMountTargets",
            "elasticfilesystem:ListTagsForResource",
            "elasticfilesystem:ModifyMountTargetSecurityGroups",
            "elasticfilesystem:PutFileSystemPolicy",
            "elasticfilesystem:PutLifecycleConfiguration",
            "elasticfilesystem:TagResource",
            "elasticfilesystem:UntagResource",
            "elasticfilesystem:UpdateFileSystem",
            "servicediscovery:CreateService",
            "servicediscovery:DeleteNamespace",
            "servicediscovery:DeleteService",
            "servicediscovery:GetNamespace",
            "servicediscovery:GetService",
            "servicediscovery:UpdatePrivateDnsNamespace",
            "servicediscovery:UpdateService",
          ]
          Resource = concat(local.efs_resources, local.cloud_map_resources)
        },
        {
          # Apart: AWS authorizes these on the file system and the namespace or service, parliament
          # 1.6.4 takes them for actions without a resource (iam-lint.mjs).
          Sid      = "CreateBrokerFileSystemTagDiscovery"
          Effect   = "Allow"
          Action   = ["elasticfilesystem:CreateFileSystem", "servicediscovery:ListTagsForResource", "servicediscovery:TagResource", "servicediscovery:UntagResource"]
          Resource = concat([local.efs_resources[0]], local.cloud_map_resources)
        },
        {
          # These take no resource ARN (the namespace's operation is followed by its id).
          Sid      = "BrokerDiscoveryAccountWide"
          Effect   = "Allow"
          Action   = ["servicediscovery:CreatePrivateDnsNamespace", "servicediscovery:GetOperation", "servicediscovery:ListNamespaces"]
          Resource = ["*"]
        },
      ]
    }
  }

  # Blue/green deployments: continue one paused for its pre-switch check, or roll it back
  # (scripts/lib/ecs-blue-green.ts), in the environment's own cluster. A policy of its own:
  # parliament does not know these actions yet, and a policy with an unknown action is not audited
  # at all (the other four stay audited).
  deploy_deployments_policies = {
    for env in var.environments : env => {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "SteerOwnDeployments"
          Effect   = "Allow"
          Action   = ["ecs:ContinueServiceDeployment", "ecs:StopServiceDeployment"]
          Resource = ["${local.ecs}:service-deployment/${local.prefixes[env]}/*"]
        },
      ]
    }
  }

  own_log_groups = {
    for env in var.environments : env => concat(
      flatten([
        for group in ["/ecs/${local.prefixes[env]}/*", "/vpc/${local.prefixes[env]}/*", "/aws/docdb/${local.prefixes[env]}/*", "/aws/amazonmq/broker/*"] :
        ["${local.logs}:${group}", "${local.logs}:${group}:*"]
      ]),
      # the edge firewall's request log (us-east-1), by its exact name
      ["${local.firewall_logs}${local.prefixes[env]}", "${local.firewall_logs}${local.prefixes[env]}:*"],
    )
  }

  # IAM: the environment's own roles, each with the permissions boundary, and nothing else.
  deploy_iam_policies = {
    for env in var.environments : env => {
      Version = "2012-10-17"
      Statement = concat(
        [
          {
            # iam:PermissionsBoundary is the boundary of the role being created or changed: these
            # calls succeed only on roles that carry the stack's boundary (or get it with CreateRole).
            Sid       = "OwnRolesWithTheBoundary"
            Effect    = "Allow"
            Action    = ["iam:CreateRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"]
            Resource  = ["${local.arn}:iam::${local.account}:role/${local.prefixes[env]}-*"]
            Condition = { StringEquals = { "iam:PermissionsBoundary" = local.boundary_arn } }
          },
          {
            Sid    = "OwnRoles"
            Effect = "Allow"
            Action = [
              "iam:DeleteRole",
              "iam:GetRole",
              "iam:GetRolePolicy",
              "iam:ListAttachedRolePolicies",
              "iam:ListInstanceProfilesForRole",
              "iam:ListRolePolicies",
              "iam:ListRoleTags",
              "iam:TagRole",
              "iam:UntagRole",
              "iam:UpdateAssumeRolePolicy",
              "iam:UpdateRole",
              "iam:UpdateRoleDescription",
            ]
            Resource = ["${local.arn}:iam::${local.account}:role/${local.prefixes[env]}-*"]
          },
          {
            # ECS starts tasks with the environment's task and execution roles and moves blue/green
            # traffic with its load balancer role; VPC flow logs and the DocumentDB schedules use theirs.
            Sid       = "PassOwnRolesToTheirServices"
            Effect    = "Allow"
            Action    = ["iam:PassRole"]
            Resource  = ["${local.arn}:iam::${local.account}:role/${local.prefixes[env]}-*"]
            Condition = { StringEquals = { "iam:PassedToService" = ["ecs-tasks.amazonaws.com", "ecs.amazonaws.com", "scheduler.amazonaws.com", "vpc-flow-logs.amazonaws.com"] } }
          },
          {
            # A service-linked role's policy is AWS's and only that service assumes it.
            Sid      = "ServiceLinkedRoles"
            Effect   = "Allow"
            Action   = ["iam:CreateServiceLinkedRole"]
            Resource = ["${local.arn}:iam::${local.account}:role/aws-service-role/*"]
          },
        ],
        length(var.attachable_policy_arns) == 0 ? [] : [
          {
            Sid      = "AttachApprovedPolicies"
            Effect   = "Allow"
            Action   = ["iam:AttachRolePolicy"]
            Resource = ["${local.arn}:iam::${local.account}:role/${local.prefixes[env]}-*"]
            Condition = {
              ArnEquals    = { "iam:PolicyARN" = var.attachable_policy_arns }
              StringEquals = { "iam:PermissionsBoundary" = local.boundary_arn }
            }
          },
        ],
        [
          {
            # Its own role and every other environment's included.
            Sid      = "NeverTheGitHubRoles"
            Effect   = "Deny"
            Action   = ["iam:*"]
            Resource = local.github_roles
          },
          {
            Sid      = "NeverTheBoundaryPolicy"
            Effect   = "Deny"
            Action   = ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"]
            Resource = [local.boundary_arn]
          },
          {
            Sid      = "NeverARoleWithoutTheBoundary"
            Effect   = "Deny"
            Action   = ["iam:DeleteRolePermissionsBoundary"]
            Resource = ["*"]
          },
        ],
      )
    }
  }

  # --- the permissions boundary of every role the stack creates ------------------------------------
  # The most any of them may ever do, whatever policy the deploy role writes into it: pull the
  # stack's images, write the stack's logs, read the stack's secrets and the database's managed
  # password, decrypt them, ECS Exec's session channel, send traces to X-Ray, move the stack's
  # blue/green traffic (ECS's load balancer role), stop and start the stack's DocumentDB (its
  # working-hours schedule), mount the stack's broker file system (the ECS broker's task role, through
  # its access point: the file system's own policy names that role). No IAM, no STS, nothing else.
  boundary_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ContainerRegistryLogin"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken", "logs:DescribeLogGroups"]
        Resource = ["*"]
      },
      {
        Sid      = "PullStackImages"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Resource = ["${local.arn}:ecr:${local.region}:${local.account}:repository/${var.name}-*"]
      },
      {
        # the tracing collector's image, pulled through the stack's cache of ECR Public
        Sid      = "ImportTheCollectorImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchImportUpstreamImage"]
        Resource = ["${local.arn}:ecr:${local.region}:${local.account}:repository/${var.name}-*"]
      },
      {
        Sid      = "WriteStackLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
        Resource = local.stack_log_groups
      },
      {
        Sid      = "ReadStackSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [local.stack_secrets, local.database_secrets]
      },
      {
        Sid      = "DecryptStackSecrets"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [local.kms_keys]
      },
      {
        Sid    = "EcsExecChannel"
        Effect = "Allow"
        Action = [
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
        ]
        Resource = ["*"]
      },
      {
        Sid      = "ReadLoadBalancingAndSendTraces"
        Effect   = "Allow"
        Action   = ["elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth", "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]
        Resource = ["*"]
      },
      {
        Sid      = "MoveBlueGreenTraffic"
        Effect   = "Allow"
        Action   = ["elasticloadbalancing:ModifyRule"]
        Resource = ["${local.arn}:elasticloadbalancing:${local.region}:${local.account}:listener-rule/app/${var.name}-*/*/*/*"]
      },
      {
        Sid      = "MountBrokerFileSystem"
        Effect   = "Allow"
        Action   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
        Resource = ["${local.arn}:elasticfilesystem:${local.region}:${local.account}:file-system/*"]
      },
      {
        Sid    = "StackTargetsAndDatabaseHours"
        Effect = "Allow"
        Action = ["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets", "rds:StartDBCluster", "rds:StopDBCluster"]
        Resource = [
          "${local.arn}:elasticloadbalancing:${local.region}:${local.account}:targetgroup/${var.name}-*/*",
          "${local.rds}:cluster:${var.name}-*",
        ]
      },
    ]
  }

  # --- the state bucket ----------------------------------------------------------------------------
  state_bucket_policy = {
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:*"]
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        # Twice guarded: the plan role's own policy reads the secret-free states only; the bucket
        # denies it every other object (the credentials states) and every write even if a broader
        # policy were ever attached to it.
        Sid         = "PlanRoleReadsSecretFreeStatesOnly"
        Effect      = "Deny"
        Principal   = "*"
        Action      = ["s3:GetObject", "s3:GetObjectVersion"]
        NotResource = ["${local.bucket_arn}/${var.plan_state_prefix}*"]
        Condition   = { ArnEquals = { "aws:PrincipalArn" = local.plan_role_arn } }
      },
      {
        Sid       = "PlanRoleWritesNothing"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:Delete*", "s3:Put*"]
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { ArnEquals = { "aws:PrincipalArn" = local.plan_role_arn } }
      },
      ],
      # Twice guarded as well: each deploy role's policy names its own states; the bucket denies it
      # every other object, so staging's role never reads production's credentials state (the
      # broker password), nor writes production's platform state, and the other way round.
      [for env in var.environments : {
        Sid         = "${title(env)}DeployRoleOwnStatesOnly"
        Effect      = "Deny"
        Principal   = "*"
        Action      = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
        NotResource = [for key in local.state_objects[env] : "${local.bucket_arn}/${key}"]
        Condition   = { ArnEquals = { "aws:PrincipalArn" = "${local.arn}:iam::${local.account}:role/${local.deploy_roles[env]}" } }
      }],
    )
  }
}
