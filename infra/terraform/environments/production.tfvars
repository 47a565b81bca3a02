environment = "production"
region      = "eu-west-1"

# services, sizes and counts: see variables.tf for the defaults (256 CPU / 512 MB, 2-6 tasks each)
services = {
  customer = { priority = 10, desired_count = 2, max_count = 6 }
  products = { priority = 20, desired_count = 2, max_count = 6 }
  shopping = { priority = 30, desired_count = 2, max_count = 6 }
}

# HTTPS either way: without a domain, https://<id>.cloudfront.net; with one (a Route 53 zone of the
# account), CloudFront serves it with an ACM certificate it validates through the zone.
# domain = { name = "shop.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ" }
admin_emails = []

docdb_instance_count = 2
mq_deployment_mode   = "SINGLE_INSTANCE"
deletion_protection  = true
