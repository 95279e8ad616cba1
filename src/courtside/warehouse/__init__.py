"""courtside.warehouse"""
