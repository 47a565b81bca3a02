# Amazon MQ became optional (the main stack's broker variable): the broker of an existing state is
# the first and only instance.
moved {
  from = module.messaging
  to   = module.messaging[0]
}
