"""mobilevos.models.samplers"""
