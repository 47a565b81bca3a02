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
    tags = {
      Project     = var.name
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
