terraform {
  # 1.11: write-only arguments and ephemeral resources keep generated passwords out of the state;
  # S3-native state locking (use_lockfile).
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Partial configuration: bucket, key, region and use_lockfile come from
  # environments/<env>.s3.tfbackend (terraform init -backend-config=...).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.default_tags
  }
}

# CloudFront's certificates live in us-east-1 (modules/edge, with `domain` only).
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.default_tags
  }
}

locals {
  default_tags = {
    Project     = var.name
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}
